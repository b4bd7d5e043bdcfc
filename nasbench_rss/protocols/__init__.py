"""Named protocols: the paper's and OFA's recipes as presets a suite picks by name.

    from nasbench_rss.protocols import get_protocol
    get_protocol("paper-code").training["init"].value   # 'he_fout'
"""

from nasbench_rss.protocols.base import (
    DEFAULT_PROTOCOL,
    PROTOCOL_NAMES,
    Protocol,
    ProtocolError,
    ProtocolName,
    Setting,
    get_protocol,
)

__all__ = ["DEFAULT_PROTOCOL", "PROTOCOL_NAMES", "Protocol", "ProtocolError", "ProtocolName", "Setting", "get_protocol"]
