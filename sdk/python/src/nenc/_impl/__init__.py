"""Private: the gRPC channel, request building, proto <-> Python conversion, error mapping."""
