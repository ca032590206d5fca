// `AgentClock` lives in its own small module so that the notification server runs on the same
// clock as the agents without linking libdbus; BlueZ's users keep seeing it as before.
@_exported import AgentTime
