"""Local fake HTTP servers (loopback, in a thread) standing in for outside services."""
