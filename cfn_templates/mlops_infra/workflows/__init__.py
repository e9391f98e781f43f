"""State machine definitions, each built from small functions returning one state or one sub-chain (CDK chainables)."""
