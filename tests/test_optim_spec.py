"""optim.from_spec: optimizers from settings dictionaries, with the classes' own defaults."""

import pytest
import torch

from dlmath import optim


def test_from_spec_builds_the_analysed_variants():
    p = [torch.nn.Parameter(torch.zeros(3))]
    a = optim.from_spec(p, {"optimizer": "adam", "lr": 1e-3, "beta1": 0.99, "xi": 0.1})
    assert isinstance(a, optim.Adam)
    g = a.param_groups[0]
    assert (g["beta1"], g["beta2"], g["xi"]) == (0.99, 0.999, 0.1)
    assert g["xi_placement"] == "outside" and g["bias_correction"] is False
    r = optim.from_spec(p, {"optimizer": "rmsprop", "lr": 1e-3, "beta2": 0.5})
    assert isinstance(r, optim.RMSProp) and r.param_groups[0]["xi_placement"] == "inside"
    assert r.param_groups[0]["beta2"] == 0.5
    n = optim.from_spec(p, {"optimizer": "nag", "lr": 0.1, "momentum": 0.99})
    assert isinstance(n, optim.NAG) and n.param_groups[0]["momentum"] == 0.99
    with pytest.raises(ValueError, match="optimizer"):
        optim.from_spec(p, {"optimizer": "sgd", "lr": 0.1})
    with pytest.raises(ValueError, match="lr"):
        optim.from_spec(p, {"optimizer": "nag", "lr": -1.0})
    with pytest.raises(TypeError, match="spec"):
        optim.from_spec(p, [("optimizer", "nag")])


def test_from_spec_passes_only_the_keys_given():
    """Each class's defaults are the only defaults: a key left out takes the class's value."""
    p = [torch.nn.Parameter(torch.zeros(3))]
    for name, cls in optim.OPTIMIZERS.items():
        built = optim.from_spec(p, {"optimizer": name, "lr": 0.1}).param_groups[0]
        direct = cls(p, lr=0.1).param_groups[0]
        assert {k: built[k] for k in optim.spec_keys(name)} == {k: direct[k] for k in optim.spec_keys(name)}
    assert optim.spec_defaults("rmsprop")["beta2"] == optim.RMSProp(p, lr=0.1).param_groups[0]["beta2"]
    assert optim.spec_keys("nag") == ("lr", "momentum", "form")


@pytest.mark.parametrize(
    "spec,exc,match",
    [
        ({"optimizer": "nag", "lr": 0.1, "mometum": 0.9}, ValueError, r"unknown keys \['mometum'\]"),
        ({"optimizer": "rmsprop", "lr": 0.1, "beta1": 0.9}, ValueError, "beta1"),
        ({"optimizer": "adam", "beta1": 0.9}, ValueError, "missing the keys \\['lr'\\]"),
        ({"lr": 0.1}, TypeError, "optimizer"),
    ],
)
def test_from_spec_rejects_unknown_and_missing_keys(spec, exc, match):
    with pytest.raises(exc, match=match):
        optim.from_spec([torch.nn.Parameter(torch.zeros(2))], spec)
