"""Canaries: tests that watch an upstream bug the plugin works around.

A canary is marked ``@upstream_bug(reason)`` -- ``xfail(strict=True)`` --
and states the upstream behaviour the plugin would like. While the bug is
there, the test raises :class:`UpstreamBug` and is reported as XFAIL with
the reason (which names the upstream version). When an upgrade fixes the
bug, the test passes, and strict mode turns that XPASS into a failure that
names the workaround which can now go. Any other failure of a canary (an
``assert`` about what happens around the bug, a crash) is reported as a
plain failure: only :class:`UpstreamBug` is the expected one.
"""
import pytest


class UpstreamBug(Exception):
    """The upstream bug a canary watches is still there."""


def upstream_bug(reason: str):
    """Mark a canary; ``reason`` names the upstream version, the bug and the
    workaround an XPASS says can go."""
    return pytest.mark.xfail(strict=True, raises=UpstreamBug, reason=reason)
