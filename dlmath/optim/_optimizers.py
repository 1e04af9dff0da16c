"""The three optimizers of :mod:`dlmath.optim` and their shared foreach plumbing."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any, Protocol

import torch

from .._validate import (
    check_bool,
    check_choice,
    check_real,
)

XI_PLACEMENTS = ("inside", "outside")
NAG_FORMS = ("sutskever", "lookahead")


class Closure(Protocol):
    """What ``step(closure)`` accepts: zero the gradients, compute the loss, call
    ``backward()`` and return the loss."""

    def __call__(self) -> Any: ...


class LossFunction(Protocol):
    """A function :math:`f` of one parameter tensor, returning a scalar tensor."""

    def __call__(self, x: torch.Tensor) -> torch.Tensor: ...


class OptimizerFactory(Protocol):
    """Builds an optimizer for a list of parameter tensors, e.g.
    ``lambda p: Adam(p, lr=1e-3)``."""

    def __call__(self, params: list[torch.Tensor]) -> torch.optim.Optimizer: ...


def _check_lr(lr: Any) -> float:
    return check_real(lr, "lr", low=0.0, low_inclusive=False)


def _check_beta(beta: Any, name: str) -> float:
    return check_real(beta, name, low=0.0, high=1.0, high_inclusive=False)


def _check_xi(xi: Any) -> float:
    # xi = 0 would divide 0 by 0 on any coordinate whose gradient vanishes.
    return check_real(xi, "xi", low=0.0, low_inclusive=False)


def _check_params(params: Any) -> Any:
    if params is None or isinstance(params, (str, bytes, numbers.Number)) or not hasattr(params, "__iter__"):
        raise TypeError(
            f"params must be an iterable of tensors or param-group dicts, got {type(params).__name__}"
        )
    return params


class _ForeachOptimizer(torch.optim.Optimizer):
    """Shared plumbing: validated param groups, closures, (device, dtype) buckets."""

    def _check_group(self, group: dict[str, Any]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        super().add_param_group(param_group)
        try:
            if any(p.is_complex() for p in self.param_groups[-1]["params"]):
                # v = beta v + (1 - beta) g*g is not |g|^2 for complex g: refuse, not guess
                raise TypeError("params must be real tensors, got a complex one")
            self._check_group(self.param_groups[-1])
        except (TypeError, ValueError):
            self.param_groups.pop()
            raise

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state dict after validating its hyperparameters as the constructor would."""
        groups = state_dict.get("param_groups") if isinstance(state_dict, dict) else None
        if not isinstance(groups, list):
            raise TypeError("state_dict must be an optimizer state dict with a 'param_groups' list")
        for i, g in enumerate(groups):
            try:
                self._check_group({**self.defaults, **g})
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"state_dict['param_groups'][{i}]: {exc}") from exc
        super().load_state_dict(state_dict)

    @staticmethod
    def _buckets(
        params: list[torch.Tensor], *lists: list[torch.Tensor]
    ) -> Iterable[tuple[list[torch.Tensor], ...]]:
        """Yield ``params`` and the parallel ``lists`` split by (device, dtype) of ``params``, so
        that every foreach call sees tensors of one kind."""
        out: dict[tuple[Any, Any], list[int]] = {}
        for i, p in enumerate(params):
            out.setdefault((p.device, p.dtype), []).append(i)
        for idx in out.values():
            yield tuple([lst[i] for i in idx] for lst in (params, *lists))

    @staticmethod
    def _with_grad(group: dict[str, Any]) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        params, grads = [], []
        for p in group["params"]:
            if p.grad is None:
                continue
            if p.grad.is_sparse:
                raise RuntimeError("dlmath.optim does not support sparse gradients")
            params.append(p)
            grads.append(p.grad)
        return params, grads

    def _state_tensors(self, params: list[torch.Tensor], *names: str) -> tuple[list[torch.Tensor], ...]:
        """Return one list per ``name`` of per-parameter state tensors, created as zeros."""
        lists: tuple[list[torch.Tensor], ...] = tuple([] for _ in names)
        for p in params:
            st = self.state[p]
            if not st:
                st["step"] = 0
                for n in names:
                    st[n] = torch.zeros_like(p, memory_format=torch.preserve_format)
            st["step"] += 1
            for lst, n in zip(lists, names, strict=True):
                lst.append(st[n])
        return lists

    def _update(
        self, group: dict[str, Any], params: list[torch.Tensor], grads: list[torch.Tensor]
    ) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    @torch.no_grad()
    def step(self, closure: Closure | None = None) -> Any:
        """Take one step; ``closure`` (optional) re-evaluates the loss and the gradients and its
        loss is returned."""
        loss = self._call(closure)
        for group in self.param_groups:
            params, grads = self._with_grad(group)
            if params:
                self._update(group, params, grads)
        return loss

    @staticmethod
    def _call(closure: Closure | None) -> Any:
        if closure is None:
            return None
        with torch.enable_grad():
            return closure()


class RMSProp(_ForeachOptimizer):
    r"""RMSProp with :math:`\xi` inside the running average (the form analysed in Ch. 5).

    For each parameter, with :math:`g_t` its gradient and :math:`v_0 = 0`:

    * ``xi_placement="inside"`` (default, :prf:ref:`alg-ch5-rmsprop`, the form of
      :prf:ref:`thm-ch5-rmsprop-det` and :prf:ref:`thm-ch5-rmsprop-stoch`):
      :math:`v_t = \beta_2 v_{t-1} + (1-\beta_2)(g_t^2 + \xi)`,
      :math:`x_{t+1} = x_t - \alpha\, g_t/\sqrt{v_t}`. Every coordinate of :math:`v_t` is at
      least :math:`(1-\beta_2)\xi`, which bounds the effective step from above.
    * ``xi_placement="outside"``: :math:`v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2`,
      :math:`x_{t+1} = x_t - \alpha\, g_t/(\sqrt{v_t}+\xi)`; identical to
      ``torch.optim.RMSprop(lr=α, alpha=β2, eps=ξ)``.

    Parameters
    ----------
    params:
        Tensors or param-group dicts, as for any ``torch.optim`` optimizer.
    lr:
        Step size :math:`\alpha > 0`.
    beta2:
        Averaging constant :math:`\beta_2 \in [0, 1)`.
    xi:
        Shift :math:`\xi > 0`.
    xi_placement:
        ``"inside"`` or ``"outside"``, see above.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float,
        beta2: float = 0.9,
        xi: float = 1e-8,
        xi_placement: str = "inside",
    ) -> None:
        defaults = dict(lr=lr, beta2=beta2, xi=xi, xi_placement=xi_placement)
        self._check_group(defaults)
        super().__init__(_check_params(params), defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        group["lr"] = _check_lr(group["lr"])
        group["beta2"] = _check_beta(group["beta2"], "beta2")
        group["xi"] = _check_xi(group["xi"])
        check_choice(group["xi_placement"], "xi_placement", XI_PLACEMENTS)

    def _update(self, group: dict[str, Any], params: list[torch.Tensor], grads: list[torch.Tensor]) -> None:
        (vs,) = self._state_tensors(params, "v")
        b2, xi, lr = group["beta2"], group["xi"], group["lr"]
        for p, g, v in self._buckets(params, grads, vs):
            torch._foreach_mul_(v, b2)
            torch._foreach_addcmul_(v, g, g, value=1.0 - b2)
            if group["xi_placement"] == "inside":
                torch._foreach_add_(v, (1.0 - b2) * xi)
                denom = torch._foreach_sqrt(v)
            else:
                denom = torch._foreach_sqrt(v)
                torch._foreach_add_(denom, xi)
            torch._foreach_addcdiv_(p, g, denom, value=-lr)


class Adam(_ForeachOptimizer):
    r"""ADAM with :math:`\xi` added to :math:`\sqrt{v_t}` and no bias correction (as in Ch. 5).

    With :math:`m_0 = v_0 = 0`:

    .. math::

        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \qquad
        x_{t+1} = x_t - \alpha\, \frac{m_t}{\sqrt{v_t} + \xi}.

    ``xi_placement="inside"`` instead uses :math:`v_t = \beta_2 v_{t-1} + (1-\beta_2)(g_t^2+\xi)`
    and divides by :math:`\sqrt{v_t}` (then ``Adam(beta1=0)`` is :class:`RMSProp`).
    ``bias_correction=True`` replaces :math:`m_t, v_t` by :math:`m_t/(1-\beta_1^t)` and
    :math:`v_t/(1-\beta_2^t)`, as Kingma and Ba do; with ``xi_placement="outside"`` this is
    exactly ``torch.optim.Adam(lr=α, betas=(β1, β2), eps=ξ)``.

    Parameters
    ----------
    params:
        Tensors or param-group dicts.
    lr:
        Step size :math:`\alpha > 0`.
    beta1, beta2:
        Averaging constants in :math:`[0, 1)`. The deterministic theorem needs small
        :math:`\beta_1` (see :func:`adam_beta1_threshold`).
    xi:
        Shift :math:`\xi > 0`.
    xi_placement:
        ``"outside"`` (default, analysed) or ``"inside"``.
    bias_correction:
        Whether to apply Kingma and Ba's bias correction (default ``False``, analysed).
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float,
        beta1: float = 0.9,
        beta2: float = 0.999,
        xi: float = 1e-8,
        xi_placement: str = "outside",
        bias_correction: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            beta1=beta1,
            beta2=beta2,
            xi=xi,
            xi_placement=xi_placement,
            bias_correction=bias_correction,
        )
        self._check_group(defaults)
        super().__init__(_check_params(params), defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        group["lr"] = _check_lr(group["lr"])
        group["beta1"] = _check_beta(group["beta1"], "beta1")
        group["beta2"] = _check_beta(group["beta2"], "beta2")
        group["xi"] = _check_xi(group["xi"])
        check_choice(group["xi_placement"], "xi_placement", XI_PLACEMENTS)
        group["bias_correction"] = check_bool(group["bias_correction"], "bias_correction")

    def _update(self, group: dict[str, Any], params: list[torch.Tensor], grads: list[torch.Tensor]) -> None:
        ms, vs = self._state_tensors(params, "m", "v")
        b1, b2, xi, lr = group["beta1"], group["beta2"], group["xi"], group["lr"]
        inside = group["xi_placement"] == "inside"
        for p, g, m, v in self._buckets(params, grads, ms, vs):
            torch._foreach_lerp_(m, g, 1.0 - b1)
            torch._foreach_mul_(v, b2)
            torch._foreach_addcmul_(v, g, g, value=1.0 - b2)
            if inside:
                torch._foreach_add_(v, (1.0 - b2) * xi)
            denom = torch._foreach_sqrt(v)
            if group["bias_correction"]:
                steps = [self.state[q]["step"] for q in p]
                bc2 = [math.sqrt(1.0 - b2**s) for s in steps]
                torch._foreach_div_(denom, bc2)
                if not inside:
                    torch._foreach_add_(denom, xi)
                step_sizes = [-lr / (1.0 - b1**s) for s in steps]
                torch._foreach_addcdiv_(p, m, denom, step_sizes)
            else:
                if not inside:
                    torch._foreach_add_(denom, xi)
                torch._foreach_addcdiv_(p, m, denom, value=-lr)


class NAG(_ForeachOptimizer):
    r"""Nesterov's accelerated gradient with constant momentum, in Sutskever et al.'s form.

    ``form="sutskever"`` (default): the parameters hold :math:`x_t`, and one step is

    .. math::

        v_{t+1} = \mu v_t - \alpha \nabla f(x_t + \mu v_t), \qquad x_{t+1} = x_t + v_{t+1}.

    The gradient is needed at the look-ahead point :math:`x_t + \mu v_t`, so :meth:`step`
    requires a closure that zeroes the gradients, computes the loss and calls ``backward()``:
    the optimizer moves the parameters to the look-ahead point, calls the closure there and
    moves them on to :math:`x_{t+1}`. The returned loss is :math:`f(x_t + \mu v_t)`.

    ``form="lookahead"``: the parameters hold :math:`y_t = x_t + \mu v_t`, so the gradient of
    an ordinary ``loss.backward()`` is already the one needed, and
    :math:`y_{t+1} = y_t + \mu v_{t+1} - \alpha \nabla f(y_t)`. The two forms produce the same
    :math:`v_t` and iterates related by :math:`y_t = x_t + \mu v_t`, under any step-size
    schedule (each gradient enters :math:`v` with the step size of its own step). At a
    *constant* step size the look-ahead form is ``torch.optim.SGD(lr=α, momentum=μ,
    nesterov=True)``, whose momentum buffer is :math:`-v_t/\alpha`; under a scheduler the two
    differ, because torch multiplies its whole buffer by the current step size.

    If the closure raises, the Sutskever-form parameters are moved back to :math:`x_t` before
    the exception propagates, and no state changes.

    Parameters
    ----------
    params, lr:
        As for :class:`Adam`: tensors or param-group dicts, and the step size :math:`\alpha > 0`.
    momentum:
        :math:`\mu \in [0, 1)`.
    form:
        ``"sutskever"`` or ``"lookahead"``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float,
        momentum: float = 0.9,
        form: str = "sutskever",
    ) -> None:
        defaults = dict(lr=lr, momentum=momentum, form=form)
        self._check_group(defaults)
        super().__init__(_check_params(params), defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        group["lr"] = _check_lr(group["lr"])
        group["momentum"] = _check_beta(group["momentum"], "momentum")
        check_choice(group["form"], "form", NAG_FORMS)

    def _velocities(self, params: list[torch.Tensor]) -> list[torch.Tensor]:
        out = []
        for p in params:
            st = self.state[p]
            if not st:
                st["step"] = 0
                st["v"] = torch.zeros_like(p, memory_format=torch.preserve_format)
            out.append(st["v"])
        return out

    @torch.no_grad()
    def step(self, closure: Closure | None = None) -> Any:
        """Take one NAG step (a closure is required for ``form="sutskever"``)."""
        shifted = [g for g in self.param_groups if g["form"] == "sutskever"]
        if shifted and closure is None:
            raise ValueError(
                "closure is required for NAG(form='sutskever'): the gradient is taken at "
                "x + momentum * v, so step() must re-evaluate it there; pass "
                "step(closure) or use form='lookahead' (= torch SGD(nesterov=True))"
            )
        # Move Sutskever-form parameters to the look-ahead point before the closure runs.
        moved: list[tuple[dict[str, Any], list[torch.Tensor], list[torch.Tensor]]] = []
        for group in shifted:
            params = [p for p in group["params"] if p.requires_grad]
            vs = self._velocities(params)
            for p, v in self._buckets(params, vs):
                torch._foreach_add_(p, v, alpha=group["momentum"])
            moved.append((group, params, vs))
        try:
            loss = self._call(closure)
        except BaseException:
            for group, params, vs in moved:  # back to x_t: a failed step changes nothing
                for p, v in self._buckets(params, vs):
                    torch._foreach_add_(p, v, alpha=-group["momentum"])
            raise
        for group, params, vs in moved:  # undo the shift where no gradient came back
            idle = [i for i, p in enumerate(params) if p.grad is None]
            if idle:
                for p, v in self._buckets([params[i] for i in idle], [vs[i] for i in idle]):
                    torch._foreach_add_(p, v, alpha=-group["momentum"])
        for group in self.param_groups:
            params, grads = self._with_grad(group)
            if not params:
                continue
            vs = self._velocities(params)
            for p in params:
                self.state[p]["step"] += 1
            mu, lr = group["momentum"], group["lr"]
            for p, g, v in self._buckets(params, grads, vs):
                if group["form"] == "sutskever":
                    # params hold x_t + mu v_t; x_{t+1} = (x_t + mu v_t) - mu v_t + v_{t+1}
                    torch._foreach_add_(p, v, alpha=-mu)
                    torch._foreach_mul_(v, mu)
                    torch._foreach_add_(v, g, alpha=-lr)
                    torch._foreach_add_(p, v)
                else:
                    torch._foreach_mul_(v, mu)
                    torch._foreach_add_(v, g, alpha=-lr)
                    torch._foreach_add_(p, g, alpha=-lr)
                    torch._foreach_add_(p, v, alpha=mu)
        return loss
