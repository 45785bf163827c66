"""Differentiable ops, one module per family; each op is a small ``Op`` subclass."""
