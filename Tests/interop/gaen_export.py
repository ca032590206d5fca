"""An independent reader/writer of GAEN diagnosis-key files for interop tests.

Uses Google's `protobuf` runtime with the message types declared here from the published export
format (no protoc, no generated code shared with the Swift side), `zipfile`, and `cryptography`
for ECDSA P-256/SHA-256. Nothing here is derived from bleagent's Swift code.
"""
import io
import zipfile

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

HEADER = b"EK Export v1    "
ECDSA_OID = "1.2.840.10045.4.3.2"

_F = descriptor_pb2.FieldDescriptorProto


def _build_pool():
    file = descriptor_pb2.FileDescriptorProto(name="interop_export.proto", package="interop", syntax="proto2")

    def message(name, fields):
        m = file.message_type.add(name=name)
        for number, fname, ftype, label, type_name, default in fields:
            f = m.field.add(name=fname, number=number, type=ftype, label=label)
            if type_name:
                f.type_name = type_name
            if default is not None:
                f.default_value = default
        return m

    opt, rep = _F.LABEL_OPTIONAL, _F.LABEL_REPEATED
    message("SignatureInfo", [
        (3, "verification_key_version", _F.TYPE_STRING, opt, None, None),
        (4, "verification_key_id", _F.TYPE_STRING, opt, None, None),
        (5, "signature_algorithm", _F.TYPE_STRING, opt, None, None),
    ])
    tek = message("TemporaryExposureKey", [
        (1, "key_data", _F.TYPE_BYTES, opt, None, None),
        (2, "transmission_risk_level", _F.TYPE_INT32, opt, None, None),
        (3, "rolling_start_interval_number", _F.TYPE_INT32, opt, None, None),
        (4, "rolling_period", _F.TYPE_INT32, opt, None, "144"),
        (5, "report_type", _F.TYPE_INT32, opt, None, None),
        (6, "days_since_onset_of_symptoms", _F.TYPE_SINT32, opt, None, None),
    ])
    message("TemporaryExposureKeyExport", [
        (1, "start_timestamp", _F.TYPE_FIXED64, opt, None, None),
        (2, "end_timestamp", _F.TYPE_FIXED64, opt, None, None),
        (3, "region", _F.TYPE_STRING, opt, None, None),
        (4, "batch_num", _F.TYPE_INT32, opt, None, None),
        (5, "batch_size", _F.TYPE_INT32, opt, None, None),
        (6, "signature_infos", _F.TYPE_MESSAGE, rep, ".interop.SignatureInfo", None),
        (7, "keys", _F.TYPE_MESSAGE, rep, ".interop.TemporaryExposureKey", None),
        (8, "revised_keys", _F.TYPE_MESSAGE, rep, ".interop.TemporaryExposureKey", None),
    ])
    message("TEKSignature", [
        (1, "signature_info", _F.TYPE_MESSAGE, opt, ".interop.SignatureInfo", None),
        (2, "batch_num", _F.TYPE_INT32, opt, None, None),
        (3, "batch_size", _F.TYPE_INT32, opt, None, None),
        (4, "signature", _F.TYPE_BYTES, opt, None, None),
    ])
    message("TEKSignatureList", [
        (1, "signatures", _F.TYPE_MESSAGE, rep, ".interop.TEKSignature", None),
    ])
    del tek
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return pool


_POOL = _build_pool()


def _cls(name):
    return message_factory.GetMessageClass(_POOL.FindMessageTypeByName("interop." + name))


Export = _cls("TemporaryExposureKeyExport")
SignatureList = _cls("TEKSignatureList")


def read_zip(data):
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        bin_ = z.read("export.bin")
        sig = z.read("export.sig") if "export.sig" in names else None
    return bin_, sig


def parse_export(bin_):
    if bin_[:16] != HEADER:
        raise ValueError("bad header")
    message = Export()
    message.ParseFromString(bin_[16:])
    return message


def parse_signatures(sig):
    message = SignatureList()
    message.ParseFromString(sig)
    return message


def key_dict(key, revised=False):
    out = {"key_data": key.key_data.hex(), "rolling_start_interval_number": key.rolling_start_interval_number,
           "rolling_period": key.rolling_period, "revised": revised}
    for field in ("transmission_risk_level", "report_type", "days_since_onset_of_symptoms"):
        if key.HasField(field):
            out[field] = getattr(key, field)
    return out


def verify(bin_, der_signature, public_pem):
    key = serialization.load_pem_public_key(public_pem)
    try:
        key.verify(der_signature, bin_, ec.ECDSA(hashes.SHA256()))
        return True
    except Exception:
        return False


def write_signed_zip(header, keys, revised_keys, private_key, key_id, key_version):
    """header: dict of start_timestamp/end_timestamp/region/batch_num/batch_size; keys: list of dicts."""
    message = Export()
    for name, value in header.items():
        setattr(message, name, value)
    info = message.signature_infos.add(verification_key_id=key_id, verification_key_version=key_version,
                                       signature_algorithm=ECDSA_OID)

    def fill(target, source):
        for k in source:
            entry = target.add()
            entry.key_data = bytes.fromhex(k["key_data"])
            for field in ("transmission_risk_level", "rolling_start_interval_number", "rolling_period",
                          "report_type", "days_since_onset_of_symptoms"):
                if field in k:
                    setattr(entry, field, k[field])

    fill(message.keys, keys)
    fill(message.revised_keys, revised_keys)
    bin_ = HEADER + message.SerializeToString()
    signature = private_key.sign(bin_, ec.ECDSA(hashes.SHA256()))
    sigs = SignatureList()
    s = sigs.signatures.add(batch_num=header.get("batch_num", 1), batch_size=header.get("batch_size", 1), signature=signature)
    s.signature_info.CopyFrom(info)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("export.bin", bin_)
        z.writestr("export.sig", sigs.SerializeToString())
    return buf.getvalue()


def _varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def key_records(keys):
    """Encoded `keys` fields (7) for (key_data, rolling_start_interval_number) pairs, each valid for a
    day: fast enough to build files of hundreds of thousands of keys."""
    out = bytearray()
    for data, start in keys:
        inner = b"\x0a\x10" + data + b"\x18" + _varint(start) + b"\x20\x90\x01"
        out += b"\x3a" + _varint(len(inner)) + inner
    return bytes(out)


def write_raw_zip(header, records, private_key=None, key_id="440", key_version="v1", compress=False):
    """A key file whose keys are `records` (from `key_records`), signed with `private_key` if given
    (else no export.sig). Protobuf fields may come in any order: the header's fields, then the keys."""
    message = Export()
    for name, value in header.items():
        setattr(message, name, value)
    info = None
    if private_key is not None:
        info = message.signature_infos.add(verification_key_id=key_id, verification_key_version=key_version,
                                           signature_algorithm=ECDSA_OID)
    bin_ = HEADER + message.SerializeToString() + records
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED) as z:
        z.writestr("export.bin", bin_)
        if private_key is not None:
            sigs = SignatureList()
            s = sigs.signatures.add(batch_num=header.get("batch_num", 1), batch_size=header.get("batch_size", 1),
                                    signature=private_key.sign(bin_, ec.ECDSA(hashes.SHA256())))
            s.signature_info.CopyFrom(info)
            z.writestr("export.sig", sigs.SerializeToString())
    return buf.getvalue()
