"""The named result tuples of ``microtorch.linalg`` (torch's ``torch.return_types``)."""

from __future__ import annotations

from collections import namedtuple

InvExResult = namedtuple("linalg_inv_ex", ["inverse", "info"])
SolveExResult = namedtuple("linalg_solve_ex", ["result", "info"])
SlogdetResult = namedtuple("linalg_slogdet", ["sign", "logabsdet"])
LegacySlogdetResult = namedtuple("slogdet", ["sign", "logabsdet"])
SvdResult = namedtuple("linalg_svd", ["U", "S", "Vh"])
LegacySvdResult = namedtuple("svd", ["U", "S", "V"])
EighResult = namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])
QrResult = namedtuple("linalg_qr", ["Q", "R"])
LegacyQrResult = namedtuple("qr", ["Q", "R"])
CholeskyExResult = namedtuple("linalg_cholesky_ex", ["L", "info"])
LstsqResult = namedtuple("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])
LuFactorResult = namedtuple("linalg_lu_factor", ["LU", "pivots"])
LuFactorExResult = namedtuple("linalg_lu_factor_ex", ["LU", "pivots", "info"])
LuResult = namedtuple("linalg_lu", ["P", "L", "U"])
LuUnpackResult = namedtuple("lu_unpack", ["P", "L", "U"])
LdlFactorResult = namedtuple("linalg_ldl_factor", ["LD", "pivots"])
LdlFactorExResult = namedtuple("linalg_ldl_factor_ex", ["LD", "pivots", "info"])
TriangularSolveResult = namedtuple("triangular_solve", ["solution", "cloned_coefficient"])
GeqrfResult = namedtuple("geqrf", ["a", "tau"])
