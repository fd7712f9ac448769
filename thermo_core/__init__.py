"""thermo_core: the maths behind Mechanics of Learning, with no UI.

Use it from a notebook as ``import thermo_core as tc``::

    t_u, t_c = tc.load_readings()
    run = tc.train(tc.normalize(t_u, "scale"), t_c, optimizer="SGD", lr=1e-2)
    run.params, run.history.tail()

The names listed in ``__all__`` are the stable API. The submodules ``landscape`` (loss
surface page) and ``finite_differences`` (finite-difference page) hold the pages' more
specialised helpers; reach them as ``tc.landscape.surface_window`` and the like.
``finite_differences`` lives in ``thermo_core/lessons/`` with the other page maths; it
stays importable as ``tc.finite_differences`` and ``thermo_core.finite_differences``.
"""

import sys as _sys

from . import landscape
from .data import (
    NORMALIZATIONS,
    from_raw_params,
    load_readings,
    normalization_constants,
    normalize,
    split,
    to_raw_params,
)
from .fit import LineScore, best_mse, score_line
from .gradients import (
    DTYPES,
    SCHEMES,
    analytic_grad,
    autograd_grad,
    buggy_central_difference,
    buggy_descent_step,
    fd_error_sweep,
    loss_evaluations,
    numeric_grad,
)
from .lessons import finite_differences
from .losses import LOSSES, huber_loss, l1_loss, loss_fn, model, mse_loss, penalty, penalty_slope
from .surface import Curvature, critical_lr, curvature, hessian, loss_grid, optimal_params
from .training import OPTIMIZERS, Run, batch_mse, train
from .units import KNOWN_UNITS, Unit, closest_unit, conversion_from_fit

# The old module path keeps working: ``import thermo_core.finite_differences``.
_sys.modules[f"{__name__}.finite_differences"] = finite_differences

__all__ = [
    "DTYPES",
    "KNOWN_UNITS",
    "LOSSES",
    "NORMALIZATIONS",
    "OPTIMIZERS",
    "SCHEMES",
    "Curvature",
    "LineScore",
    "Run",
    "Unit",
    "analytic_grad",
    "autograd_grad",
    "batch_mse",
    "best_mse",
    "buggy_central_difference",
    "buggy_descent_step",
    "closest_unit",
    "conversion_from_fit",
    "critical_lr",
    "curvature",
    "fd_error_sweep",
    "finite_differences",
    "from_raw_params",
    "hessian",
    "huber_loss",
    "l1_loss",
    "landscape",
    "load_readings",
    "loss_evaluations",
    "loss_fn",
    "loss_grid",
    "model",
    "mse_loss",
    "normalization_constants",
    "normalize",
    "numeric_grad",
    "optimal_params",
    "penalty",
    "penalty_slope",
    "score_line",
    "split",
    "to_raw_params",
    "train",
]
