"""thermo_core: the maths behind Mechanics of Learning, with no UI.

Use it from a notebook as ``import thermo_core as tc``::

    t_u, t_c = tc.load_readings()
    run = tc.train(tc.normalize(t_u, "scale"), t_c, optimizer="SGD", lr=1e-2)
    run.params, run.history.tail()

The names listed in ``__all__`` are the general API. Page-specific helpers live in
``thermo_core.lessons.<page stem>`` (``from thermo_core.lessons import divergence``); they
build on the general modules, which never import them.
"""

from .data import (
    BOOK_TRAIN_INDICES,
    BOOK_VAL_INDICES,
    NORMALIZATIONS,
    book_split,
    from_raw_params,
    normalization_constants,
    normalize,
    split,
    synthetic_readings,
    to_raw_params,
)
from .fit import LineScore, best_mse, score_line
from .gradients import (
    DTYPES,
    SCHEMES,
    analytic_grad,
    autograd_grad,
    buggy_central_difference,
    fd_error_sweep,
    loss_evaluations,
    numeric_grad,
)
from .graphs import Graph, GraphNode, count_graph_nodes, trace_backward, walk_graph
from .losses import LOSSES, huber_loss, l1_loss, loss_fn, model, mse_loss, penalty, penalty_slope
from .model_training import (
    MODEL_OPTIMIZERS,
    ModelRun,
    RunSpec,
    ValidationSummary,
    train_model,
    validation_summary,
)
from .models import (
    DEFAULT_SCALING,
    INPUT_SCALINGS,
    MODEL_KINDS,
    count_parameters,
    fitted_curve,
    make_model,
    t_u_grid,
)
from .readings import (
    GENERATED_SEEDS,
    Parsed,
    Problem,
    Readings,
    book,
    from_url,
    generated,
    load_readings,
    parse_bytes,
    parse_text,
    to_url,
)
from .surface import Curvature, critical_lr, curvature, hessian, loss_grid, optimal_params
from .training import (
    OPTIMIZERS,
    SCHEDULE_DEFAULTS,
    SCHEDULES,
    ManyRuns,
    Run,
    batch_mse,
    descend_many,
    train,
)
from .units import KNOWN_UNITS, Unit, closest_unit, conversion_from_fit

__all__ = [
    "BOOK_TRAIN_INDICES",
    "BOOK_VAL_INDICES",
    "DEFAULT_SCALING",
    "DTYPES",
    "GENERATED_SEEDS",
    "INPUT_SCALINGS",
    "KNOWN_UNITS",
    "LOSSES",
    "MODEL_KINDS",
    "MODEL_OPTIMIZERS",
    "NORMALIZATIONS",
    "OPTIMIZERS",
    "SCHEDULES",
    "SCHEDULE_DEFAULTS",
    "SCHEMES",
    "Curvature",
    "Graph",
    "GraphNode",
    "LineScore",
    "ManyRuns",
    "ModelRun",
    "Parsed",
    "Problem",
    "Readings",
    "Run",
    "RunSpec",
    "Unit",
    "ValidationSummary",
    "analytic_grad",
    "autograd_grad",
    "batch_mse",
    "best_mse",
    "book",
    "book_split",
    "buggy_central_difference",
    "closest_unit",
    "conversion_from_fit",
    "count_graph_nodes",
    "count_parameters",
    "critical_lr",
    "curvature",
    "descend_many",
    "fd_error_sweep",
    "fitted_curve",
    "from_raw_params",
    "from_url",
    "generated",
    "hessian",
    "huber_loss",
    "l1_loss",
    "load_readings",
    "loss_evaluations",
    "loss_fn",
    "loss_grid",
    "make_model",
    "model",
    "mse_loss",
    "normalization_constants",
    "normalize",
    "numeric_grad",
    "optimal_params",
    "parse_bytes",
    "parse_text",
    "penalty",
    "penalty_slope",
    "score_line",
    "split",
    "synthetic_readings",
    "t_u_grid",
    "to_raw_params",
    "to_url",
    "trace_backward",
    "train",
    "train_model",
    "validation_summary",
    "walk_graph",
]
