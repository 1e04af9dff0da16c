r"""RMSProp, ADAM and Nesterov's accelerated gradient in the conventions analysed in Ch. 5.

The thesis's Chapter 5 (De, Mukherjee and Ullah, arXiv:1807.06766) proves convergence for
versions of RMSProp and ADAM that differ from the library defaults in small but, for the
proofs, essential ways. The three optimizers here are :class:`torch.optim.Optimizer`
subclasses (param groups, ``state_dict``, closures) whose conventions are arguments:

* :class:`RMSProp`: :math:`v_t = \beta_2 v_{t-1} + (1-\beta_2)(g_t^2 + \xi)` and
  :math:`x_{t+1} = x_t - \alpha\, g_t / \sqrt{v_t}` (``xi_placement="inside"``, the analysed
  form, :prf:ref:`alg-ch5-rmsprop`), or :math:`x_{t+1} = x_t - \alpha\, g_t/(\sqrt{v_t}+\xi)` with
  :math:`v_t` free of :math:`\xi` (``"outside"``, the form of ``torch.optim.RMSprop``).
* :class:`Adam`: :math:`m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t`,
  :math:`v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2`,
  :math:`x_{t+1} = x_t - \alpha\, m_t/(\sqrt{v_t}+\xi)` with no bias correction (the analysed
  form, :prf:ref:`alg-ch5-adam`), optionally with :math:`\xi` inside :math:`v_t` and/or Kingma and Ba's bias
  correction :math:`\hat m_t = m_t/(1-\beta_1^t)`, :math:`\hat v_t = v_t/(1-\beta_2^t)`
  (``bias_correction=True, xi_placement="outside"`` is ``torch.optim.Adam``).
* :class:`NAG` (:prf:ref:`alg-ch5-nag`): Sutskever et al.'s form
  :math:`v_{t+1} = \mu v_t - \alpha\nabla f(x_t+\mu v_t)`,
  :math:`x_{t+1} = x_t + v_{t+1}` (``form="sutskever"``, needs a closure because the gradient
  is taken at the look-ahead point), or the same algorithm written in the look-ahead variable
  :math:`y_t = x_t + \mu v_t` (``form="lookahead"``): :math:`y_{t+1} = y_t + \mu v_{t+1} -
  \alpha\nabla f(y_t)`. The look-ahead form is ``torch.optim.SGD(nesterov=True)`` with
  momentum buffer :math:`b_t = -v_t/\alpha`.

All updates are vectorised with ``torch._foreach_*`` kernels, one call per (device, dtype)
bucket of a param group. :func:`from_spec` builds one from a settings dictionary. The theory
helpers give the step sizes and iteration bounds of :prf:ref:`thm-ch5-rmsprop-det`
(:func:`rmsprop_theorem_step`, :func:`rmsprop_theorem_iterations`) and
:prf:ref:`thm-ch5-adam-det` (:func:`adam_beta1_threshold`, :func:`adam_sufficient_step`,
:func:`adam_iteration_bound`), with the constants as re-derived in the
book (the paper's text was not available; see the chapter).
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any, Protocol

import numpy as np
import torch

from ._validate import (
    as_float_array,
    check_bool,
    check_callable,
    check_choice,
    check_instance,
    check_int,
    check_keys,
    check_real,
)

__all__ = [
    "RMSProp",
    "Adam",
    "NAG",
    "XI_PLACEMENTS",
    "NAG_FORMS",
    "rmsprop_theorem_step",
    "rmsprop_theorem_iterations",
    "adam_beta1_threshold",
    "adam_sufficient_step",
    "adam_iteration_bound",
    "run_deterministic",
    "rmsprop_theorem_decrease",
    "decrease_slack",
    "run_stochastic_rmsprop",
    "OPTIMIZERS",
    "spec_keys",
    "spec_defaults",
    "from_spec",
    "Closure",
    "LossFunction",
    "OptimizerFactory",
]

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


# --------------------------------------------------------------------------------------------
# Step sizes and iteration bounds of the chapter's theorems (constants as re-derived in the book)
# --------------------------------------------------------------------------------------------


#: The optimizers a settings dictionary can name (``spec["optimizer"]``).
OPTIMIZERS: dict[str, type[torch.optim.Optimizer]] = {"adam": Adam, "rmsprop": RMSProp, "nag": NAG}


def _spec_class(name: Any) -> type[torch.optim.Optimizer]:
    return OPTIMIZERS[check_choice(name, "spec['optimizer']", tuple(OPTIMIZERS))]


def spec_keys(name: str) -> tuple[str, ...]:
    """The keys a spec for optimizer ``name`` may hold besides ``"optimizer"``: the keyword
    arguments of its class (e.g. ``("lr", "momentum", "form")`` for ``"nag"``)."""
    params = inspect.signature(_spec_class(name).__init__).parameters
    return tuple(k for k in params if k not in ("self", "params"))


def spec_defaults(name: str) -> dict[str, Any]:
    """The defaults of optimizer ``name``'s class, the only defaults a spec falls back on."""
    params = inspect.signature(_spec_class(name).__init__).parameters
    return {k: params[k].default for k in spec_keys(name) if params[k].default is not inspect.Parameter.empty}


def from_spec(params: Iterable[Any], spec: dict[str, Any]) -> torch.optim.Optimizer:
    """Build an optimizer from a settings dictionary, e.g. ``{"optimizer": "adam", "lr": 1e-3,
    "beta1": 0.99}``.

    ``spec["optimizer"]`` names a class of :data:`OPTIMIZERS`; only the other keys given are
    passed on, so every key left out takes its class's default (:func:`spec_defaults`). A key
    the class does not take is an error naming it (a misspelt ``"mometum"`` never falls back
    to a default silently); ``"lr"`` is required.
    """
    spec = check_instance(spec, "spec", dict)
    name = spec.get("optimizer")
    cls = _spec_class(name)
    kwargs = {k: v for k, v in spec.items() if k != "optimizer"}
    check_keys(kwargs, f"spec for {name!r}", spec_keys(name), required=("lr",))
    return cls(params, **kwargs)


def _positive(x: Any, name: str) -> float:
    return check_real(x, name, low=0.0, low_inclusive=False)


def rmsprop_theorem_step(L: float, sigma: float, xi: float, beta2: float) -> float:
    r"""Step size of the deterministic RMSProp theorem: :math:`\alpha = (1-\beta_2)\xi /
    (L\sqrt{\sigma^2+\xi})`.

    ``L`` is the smoothness constant of :math:`f`, ``sigma`` a bound on
    :math:`\|\nabla f\|` along the run, ``xi`` the shift (inside the average).
    """
    L, sigma, xi = _positive(L, "L"), _positive(sigma, "sigma"), _check_xi(xi)
    beta2 = _check_beta(beta2, "beta2")
    return (1.0 - beta2) * xi / (L * math.sqrt(sigma**2 + xi))


def rmsprop_theorem_iterations(
    L: float, sigma: float, xi: float, beta2: float, gap: float, eps: float
) -> float:
    r"""Iteration bound of the deterministic RMSProp theorem,
    :math:`T = 2L(\sigma^2+\xi)(f(x_1)-f^*) / ((1-\beta_2)\xi\varepsilon^2)`.

    With the step of :func:`rmsprop_theorem_step`, every step with
    :math:`\|\nabla f(x_t)\| > \varepsilon` decreases :math:`f` by at least
    :math:`(1-\beta_2)\xi\|\nabla f(x_t)\|^2 / (2L(\sigma^2+\xi))`, so some
    :math:`t \le T` has :math:`\|\nabla f(x_t)\| \le \varepsilon`. ``gap`` is
    :math:`f(x_1) - f^*` (an upper bound on it suffices).
    """
    L, sigma, xi = _positive(L, "L"), _positive(sigma, "sigma"), _check_xi(xi)
    beta2 = _check_beta(beta2, "beta2")
    gap = check_real(gap, "gap", low=0.0)
    eps = _positive(eps, "eps")
    return 2.0 * L * (sigma**2 + xi) * gap / ((1.0 - beta2) * xi * eps**2)


def adam_beta1_threshold(eps: float, sigma: float) -> float:
    r"""The deterministic ADAM theorem's momentum condition :math:`\beta_1 < \varepsilon /
    (\varepsilon + \sigma)` (recalled from the paper, see the chapter)."""
    eps, sigma = _positive(eps, "eps"), _positive(sigma, "sigma")
    return eps / (eps + sigma)


def _adam_margin(sigma: float, xi: float, beta1: float, eps: float) -> float:
    # c in <g_t, D_t m_t> >= c ||g_t||^2 whenever ||g_t|| >= eps; see adam_sufficient_step.
    return (1.0 - beta1) / (sigma + xi) - beta1 * sigma / (xi * eps)


def adam_sufficient_step(L: float, sigma: float, xi: float, beta1: float, eps: float) -> float:
    r"""A step size for which deterministic ADAM (ξ outside, no bias correction) provably
    decreases :math:`f` while :math:`\|\nabla f\| \ge \varepsilon` (the book's derivation).

    With :math:`D_t = \mathrm{diag}(\sqrt{v_t}+\xi)^{-1}`, :math:`\|\nabla f\| \le \sigma` gives
    :math:`\langle g_t, D_t m_t\rangle \ge c\|g_t\|^2` for :math:`\|g_t\|\ge\varepsilon`, with
    :math:`c = (1-\beta_1)/(\sigma+\xi) - \beta_1\sigma/(\xi\varepsilon)`, and
    :math:`\|D_t m_t\| \le \sigma/\xi`. The descent lemma then gives a decrease of at least
    :math:`\alpha c\varepsilon^2/2` per step for :math:`\alpha = c\varepsilon^2\xi^2/(L\sigma^2)`.
    Requires :math:`c > 0`, i.e. :math:`\beta_1/(1-\beta_1) < \xi\varepsilon/(\sigma(\sigma+\xi))`,
    which tends to the recalled condition :math:`\beta_1 < \varepsilon/(\varepsilon+\sigma)` as
    :math:`\xi \to \infty`. Raises ``ValueError`` naming ``beta1`` when :math:`c \le 0`.
    """
    L, sigma, xi = _positive(L, "L"), _positive(sigma, "sigma"), _check_xi(xi)
    beta1, eps = _check_beta(beta1, "beta1"), _positive(eps, "eps")
    c = _adam_margin(sigma, xi, beta1, eps)
    if c <= 0:
        raise ValueError(
            f"beta1 must satisfy beta1/(1-beta1) < xi*eps/(sigma*(sigma+xi)) = "
            f"{xi * eps / (sigma * (sigma + xi)):.3g} for this bound, got beta1={beta1}"
        )
    return c * eps**2 * xi**2 / (L * sigma**2)


def adam_iteration_bound(L: float, sigma: float, xi: float, beta1: float, eps: float, gap: float) -> float:
    r"""Iterations within which deterministic ADAM with :func:`adam_sufficient_step` reaches
    :math:`\|\nabla f\| < \varepsilon`: :math:`T = 2(f(x_1)-f^*)/(\alpha c \varepsilon^2)`."""
    alpha = adam_sufficient_step(L, sigma, xi, beta1, eps)
    gap = check_real(gap, "gap", low=0.0)
    c = _adam_margin(sigma, xi, beta1, eps)
    return 2.0 * gap / (alpha * c * eps**2)


def run_deterministic(
    loss_fn: LossFunction,
    x0: torch.Tensor,
    make_optimizer: OptimizerFactory,
    n_steps: int,
    *,
    eps: float | None = None,
    record_x: bool = False,
) -> dict[str, Any]:
    r"""Run an optimizer on :math:`f` = ``loss_fn`` from ``x0`` and record its trajectory.

    ``make_optimizer([x])`` builds the optimizer for the single parameter tensor ``x``.
    Returns a dict with ``f`` and ``grad_norm`` (NumPy arrays of :math:`f(x_t)` and
    :math:`\|\nabla f(x_t)\|` at every iterate :math:`x_1, x_2, \dots`, evaluated at the
    iterate itself, also for NAG's Sutskever form), ``x`` (the iterates, when ``record_x``)
    and ``hit`` (the first index with :math:`\|\nabla f\| \le \varepsilon`, or ``None``).
    The run stops at ``hit`` when ``eps`` is given.
    """
    n_steps = check_int(n_steps, "n_steps", min_value=0, max_value=10**9)
    check_instance(x0, "x0", torch.Tensor, "a torch.Tensor")
    if eps is not None:
        eps = _positive(eps, "eps")
    x = x0.detach().clone().requires_grad_(True)
    opt = make_optimizer([x])
    # Only NAG's Sutskever form needs the closure (its gradient is taken elsewhere); the others
    # step with the gradient just computed at x_t.
    needs_closure = isinstance(opt, NAG) and any(g["form"] == "sutskever" for g in opt.param_groups)

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = loss_fn(x)
        loss.backward()
        return loss

    fs, gns, xs, hit = [], [], [], None
    for t in range(n_steps + 1):
        loss = closure()
        gn = float(x.grad.norm())
        fs.append(float(loss.detach()))
        gns.append(gn)
        if record_x:
            xs.append(x.detach().clone())
        if eps is not None and gn <= eps:
            hit = t
            break
        if t < n_steps:
            opt.step(closure if needs_closure else None)
    out: dict[str, Any] = {"f": np.array(fs), "grad_norm": np.array(gns), "hit": hit}
    if record_x:
        out["x"] = torch.stack(xs).numpy()
    return out


def rmsprop_theorem_decrease(grad_norm, L: float, sigma: float, xi: float, beta2: float) -> np.ndarray:
    r"""The decrease of :math:`f` per step that the proof of :prf:ref:`thm-ch5-rmsprop-det`
    guarantees with the step of :func:`rmsprop_theorem_step`:
    :math:`(1-\beta_2)\xi\|\nabla f(x_t)\|^2 / (2L(\sigma^2+\xi))`, for each entry of
    ``grad_norm`` (the norms :math:`\|\nabla f(x_t)\|`)."""
    L, sigma, xi = _positive(L, "L"), _positive(sigma, "sigma"), _check_xi(xi)
    beta2 = _check_beta(beta2, "beta2")
    g = as_float_array(grad_norm, "grad_norm", ndim=1)
    return (1 - beta2) * xi * g**2 / (2 * L * (sigma**2 + xi))


def decrease_slack(f, grad_norm, L: float, sigma: float, xi: float, beta2: float) -> float:
    r"""The smallest ratio, over the steps of a run, of the actual decrease
    :math:`f(x_t) - f(x_{t+1})` to the guaranteed one (:func:`rmsprop_theorem_decrease` at
    :math:`x_t`). A value :math:`\ge 1` means the proof's per-step inequality held at every step.

    ``f`` and ``grad_norm`` are the values along the run, as :func:`run_deterministic` returns
    them (at least two iterates)."""
    f = as_float_array(f, "f", ndim=1, min_size=2)
    g = as_float_array(grad_norm, "grad_norm", shape=(f.shape[0],))
    need = rmsprop_theorem_decrease(g[:-1], L, sigma, xi, beta2)
    return float(np.min((f[:-1] - f[1:]) / need))


def run_stochastic_rmsprop(
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    full_grad_sq: Callable[[torch.Tensor], torch.Tensor],
    start: torch.Tensor,
    n_components: int,
    n_steps: int,
    *,
    n_runs: int,
    lr: float,
    beta2: float,
    xi: float,
    seed: int = 0,
    per_run: bool = False,
) -> np.ndarray:
    r"""Stochastic RMSProp (:prf:ref:`thm-ch5-rmsprop-stoch`) on
    :math:`f = \frac1k\sum_i f_i`, ``n_runs`` independent runs advanced together.

    The iterate is an ``(n_runs, d)`` tensor started at ``start`` in every row; each step draws
    one component :math:`i_s \in \{0,\dots,k-1\}` per run (a torch generator seeded with
    ``seed``), takes the gradient of ``loss(x, i)`` (the sum over runs of
    :math:`f_{i_s}(x_s)`) and makes one :class:`RMSProp` step. Returns, for
    :math:`t = 0,\dots,T-1`, the mean over runs of :math:`\|\nabla f(x_t)\|^2`, with
    ``full_grad_sq(x)`` giving that squared norm for each row; with ``per_run=True`` the
    array of shape ``(T, n_runs)`` of every run's value instead (for intervals over runs).
    """
    check_callable(loss, "loss")
    check_callable(full_grad_sq, "full_grad_sq")
    check_instance(start, "start", torch.Tensor, "a torch.Tensor")
    n_components = check_int(n_components, "n_components", min_value=1, max_value=2**62)
    n_steps = check_int(n_steps, "n_steps", min_value=1, max_value=10**9)
    n_runs = check_int(n_runs, "n_runs", min_value=1, max_value=10**7)
    gen = torch.Generator().manual_seed(check_int(seed, "seed", min_value=0))
    x = start.repeat(n_runs, 1).clone().requires_grad_(True)
    opt = RMSProp([x], lr=lr, beta2=beta2, xi=xi)
    per_run = check_bool(per_run, "per_run")
    curve = np.empty((n_steps, n_runs))
    for t in range(n_steps):
        with torch.no_grad():
            curve[t] = full_grad_sq(x).detach().numpy()
        opt.zero_grad()
        loss(x, torch.randint(n_components, (n_runs,), generator=gen)).backward()
        opt.step()
    return curve if per_run else curve.mean(axis=1)
