"""Checks on the list of views a self-supervised batch carries."""
from typing import Sequence


def require_two_views(inputs: Sequence, name: str, pipeline: str) -> None:
    """Raise, naming the algorithm and the pipeline to use, unless ``inputs``
    is a list / tuple of exactly two view batches."""
    if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
        got = len(inputs) if isinstance(inputs, (list, tuple)) else type(inputs).__name__
        raise ValueError(f'{name} needs exactly 2 views per image, got {got}: use {pipeline}')
