/// glibc's malloc_trim (malloc.h, which Swift's Glibc module does not export): returns freed heap
/// pages to the system after a burst of work such as matching a day of key files.
enum HeapTrim {
    #if os(Linux)
    @_silgen_name("malloc_trim")
    private static func mallocTrim(_ pad: Int) -> Int32
    #endif

    static func returnFreedMemory() {
        #if os(Linux)
        _ = mallocTrim(0)
        #endif
    }
}
