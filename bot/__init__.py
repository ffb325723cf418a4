"""salesbot core: messages, ports, the dialogue pipeline and sales logic.

This package imports nothing else of ours; adapters live in `channels/` and
`knowledge_base/`, and `config/` wires them together.
"""
