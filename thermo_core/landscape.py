"""Old name of :mod:`thermo_core.lessons.loss_surface`, kept so ``tc.landscape`` and
``import thermo_core.landscape`` keep working (the public API stays stable).

The module object is the same one, so there is one copy of every function and constant.
"""

import sys

from .lessons import loss_surface as _loss_surface

sys.modules[__name__] = _loss_surface
