from __future__ import annotations
import os, sys as system
from ..pkg.mod import (a as b,
    c)
from . import x; import y.z
if TYPE_CHECKING: import typing
try:
    from .fast import *
except ImportError:
    pass
data = open("data/labels.csv")
s = r'''import not_me''' + f"{x}" + b"\x00"
def f():
    import inner
class K: pass
