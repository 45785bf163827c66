"""``torch.nn.modules.channelshuffle``: torch's module path for ``ChannelShuffle`` (defined in ``norm_more``)."""

from .norm_more import ChannelShuffle

__all__ = ["ChannelShuffle"]
