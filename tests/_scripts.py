"""Import one of the project's scripts (tools/, benchmarks/) as a module."""
import importlib.util
import os.path as osp

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..'))


def load_tool(relpath: str):
    """The script at ``relpath`` (from the repository root) as a module; its
    ``main(argv)`` is the CLI."""
    path = osp.join(ROOT, relpath)
    spec = importlib.util.spec_from_file_location(osp.splitext(osp.basename(path))[0], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
