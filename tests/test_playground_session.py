"""The playground session: state machine, glass-box numbers against torch autograd, export.

The oracle is tests/torch_twin.py (float64 torch autograd on the session network's current
weights) and ``torch.optim`` for the next update; nothing here reuses glassnet's arithmetic.
"""

from __future__ import annotations

import base64

import numpy as np
import pytest
import torch
import torch_twin
import yaml

import glassnet as gn
from glassnet.playground.frames import GridCache, encode_frame
from glassnet.playground.messages import check_config
from glassnet.playground.session import Session, SessionError, feature_map

TOL = {"rtol": 1e-9, "atol": 1e-12}
XOR = {"dataset": {"name": "xor", "n": 100, "seed": 3},
       "hidden": [{"units": 4, "activation": "tanh"}, {"units": 3, "activation": "sigmoid"}],
       "features": ["x1", "x2", "x1*x2"], "batch_size": 10, "l2": 0.001,
       "optimizer": {"name": "adam", "lr": 0.02}}


def session(**changes) -> Session:
    return Session(check_config({**XOR, **changes}))


def f32(b64: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(b64), dtype="<f4")


def test_config_builds_the_network_and_task():
    s = session()
    assert [s.net.n_inputs] + [layer.n_out for layer in s.net.layers] == [3, 4, 3, 1]
    assert s.task == "binary" and s.net.layers[-1].activation.name == "sigmoid"
    assert len(s.X_train) == 50 and len(s.X_test) == 50
    plane = session(dataset={"name": "plane", "n": 40})
    assert plane.task == "regression" and plane.state_message()["loss"] == "squared_error"


def test_steps_count_minibatches_and_epochs():
    s = session()  # 50 training rows, batch 10: 5 steps per epoch
    for _ in range(5):
        assert s.step() is None
    assert (s.step_count, s.epoch) == (5, 0)
    s.step()
    assert (s.step_count, s.epoch) == (6, 1)


def test_reset_restores_the_seeded_start():
    s = session()
    start = s.net.params.copy()
    for _ in range(7):
        s.step()
    assert not np.array_equal(s.net.params, start)
    s.reset()
    assert np.array_equal(s.net.params, start) and s.step_count == 0 and s.epoch == 0
    assert s.optimizer.describe() == {}


def test_training_lowers_the_loss():
    s = session()
    before = s.scores()["train_loss"]
    for _ in range(400):
        s.step()
    after = s.scores()
    assert after["train_loss"] < 0.5 * before and after["train_acc"] > 0.8


def test_divergence_pauses_with_the_reason_and_keeps_finite_weights():
    s = Session(check_config({"dataset": {"name": "plane", "n": 100},
                              "hidden": [{"units": 3, "activation": "relu"}],
                              "optimizer": {"name": "sgd", "lr": 5.0}}))
    s.playing = True
    reasons = [s.step() for _ in range(50)]
    reason = next(r for r in reasons if r)
    assert reason.startswith("diverged: train loss is") and "lr 5" in reason
    assert not s.playing


@pytest.mark.parametrize("sample", [7, None])
def test_inspect_numbers_equal_torch_autograd(sample):
    s = session()
    for _ in range(13):
        s.step()
    rows = [sample] if sample is not None else list(s.last_batch)
    twin = torch_twin.run(s.net, s.Phi_train[rows], s.T_train[rows], s.loss,
                          s.regularization, train=False)
    n = len(rows)
    for layer in (1, 2, 3):
        for unit in range(s.net.layers[layer - 1].n_out):
            v = s.inspect(layer, unit, sample)["values"]
            z = twin.z[layer - 1][:, unit].detach().numpy()
            a = twin.a[layer - 1][:, unit].detach().numpy()
            delta = twin.z[layer - 1].grad[:, unit].numpy() * n  # per sample: ∂C_s/∂z
            if sample is not None:
                z, a, delta = z[0], a[0], delta[0]
            np.testing.assert_allclose(v["z"], z, **TOL)
            np.testing.assert_allclose(v["a"], a, **TOL)
            np.testing.assert_allclose(v["delta"], delta, **TOL)
            grad_W = twin.params[f"W{layer}"].grad[unit].numpy()
            np.testing.assert_allclose(v["dC_dw"], grad_W, **TOL)
            np.testing.assert_allclose(v["dC_db"], twin.params[f"b{layer}"].grad[unit].item(),
                                       **TOL)


def test_next_update_and_state_equal_torch_adam():
    s = session()
    for _ in range(9):
        s.step()
    layer, unit = 2, 1
    v = s.inspect(layer, unit, 4)["values"]
    twin = torch_twin.run(s.net, s.Phi_train[[4]], s.T_train[[4]], s.loss, s.regularization,
                          train=False)
    w = torch.tensor(np.array(v["weights"]), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([w], lr=s.lr)
    opt.state[w] = {"step": torch.tensor(float(s.step_count)),
                    "exp_avg": torch.tensor(v["optimizer_state"]["m"], dtype=torch.float64),
                    "exp_avg_sq": torch.tensor(v["optimizer_state"]["v"], dtype=torch.float64)}
    w.grad = twin.params[f"W{layer}"].grad[unit].clone()
    before = w.detach().clone()
    opt.step()
    np.testing.assert_allclose(v["next_update"], (w.detach() - before).numpy(), **TOL)


def test_next_update_of_sgd_with_momentum():
    s = session(optimizer={"name": "sgd", "lr": 0.1, "momentum": 0.9})
    for _ in range(3):
        s.step()
    v = s.inspect(1, 0, 2, weight=1)["values"]
    buf = np.array(v["optimizer_state"]["buffer"])
    expected = -0.1 * (0.9 * buf + np.array(v["dC_dw"]))  # PyTorch: b ← μb + g, θ ← θ − ηb
    np.testing.assert_allclose(v["next_update"], expected, **TOL)
    assert v["weight"]["dC_dw"] == v["dC_dw"][1]


def test_exported_yaml_reproduces_the_panel():
    s = session()
    for _ in range(11):
        s.step()
    panel = s.inspect(2, 2, 5)
    text = s.export()["exercise_yaml"]
    d = gn.explain(yaml.safe_load(text)).to_dict()
    row = [d["gradients"][f"W2[3,{k}]"] for k in (1, 2, 3, 4)]
    assert row == panel["values"]["dC_dw"]
    assert d["forward"][1]["z"][0][2] == panel["values"]["z"]
    assert d["backward"][1]["delta"][0][2] == panel["values"]["delta"]
    assert gn.explain(text).text in panel["html"].replace("&#x27;", "'")


def test_inspect_refuses_bad_indices():
    s = session()
    with pytest.raises(SessionError, match=r"inspect\.layer: must be 1\.\.3"):
        s.inspect(4, 0, None)
    with pytest.raises(SessionError, match=r"inspect\.unit: layer 2 has units 0\.\.2"):
        s.inspect(2, 3, None)
    with pytest.raises(SessionError, match=r"inspect\.weight"):
        s.inspect(2, 0, None, weight=4)
    with pytest.raises(SessionError, match=r"sample: must be an index"):
        s.inspect(1, 0, 50)


def test_walk_goes_forward_then_backward():
    s = session()
    steps = [s.walk(3, i) for i in range(s.walk(3, 0)["count"])]
    assert len(steps) == 2 * (4 + 3 + 1)
    order = [(w["layer"], w["unit"], w["phase"]) for w in steps]
    assert order[:5] == [(1, j, "forward") for j in range(4)] + [(2, 0, "forward")]
    assert order[7:9] == [(3, 0, "forward"), (3, 0, "backward")]
    assert steps[-1]["layer"] == 1 and "δ_" in steps[-1]["html"]
    with pytest.raises(SessionError, match=r"walk\.index"):
        s.walk(3, 16)


def test_frame_grid_matches_the_network_at_the_corners():
    s = session(grid=16)
    for _ in range(5):
        s.step()
    frame = encode_frame(s, GridCache())
    out = f32(frame["output"]).reshape(16, 16)
    xmin, xmax, ymin, ymax = frame["extent"]
    corners = np.array([[xmin, ymax], [xmax, ymax], [xmin, ymin]])
    twin = torch_twin.run(s.net, feature_map(corners, s.features), np.zeros((3, 1)), s.loss,
                          train=False)
    expected = twin.output.detach().numpy()[:, 0]
    np.testing.assert_allclose([out[0, 0], out[0, -1], out[-1, 0]], expected, rtol=1e-6)
    unit = f32(frame["units"][1][2]).reshape(16, 16)  # layer 2, unit 2
    np.testing.assert_allclose(unit[0, 0], twin.a[1][0, 2].item(), rtol=1e-6)
    assert f32(frame["weights"][0]).tolist() == s.net.layers[0].W.astype("<f4").ravel().tolist()


def test_upload_reads_rows_and_names_bad_cells():
    s = session()
    rows = "\n".join(f"{x},{-x},{int(x > 0)}" for x in np.linspace(-3, 3, 30))
    s.upload("pts.csv", "a,b,label\n" + rows)
    assert s.cfg["dataset"]["name"] == "upload" and s.task == "binary"
    assert len(s.X_train) + len(s.X_test) == 30
    with pytest.raises(SessionError, match=r"pts\.csv: row 3, column 2: 'x'"):
        s.upload("pts.csv", "1,2,0\n3,4,1\n5,x,0\n6,7,1\n")
    with pytest.raises(SessionError, match=r"row 2: expected 3 columns"):
        s.upload("pts.csv", "1,2,0\n3,4\n5,6,0\n6,7,1\n")
    assert s.cfg["dataset"]["name"] == "upload" and len(s.X_train) + len(s.X_test) == 30


def test_load_model_keeps_a_glassnet_train_model_s_outputs(tmp_path):
    from glassnet.cli import main
    from glassnet.train import load

    out = tmp_path / "run"
    assert main(["train", "--dataset", "moons", "--hidden", "3", "--activation", "tanh",
                 "--epochs", "1", "--no-plots", "--out", str(out), "--verbose", "0"]) == 0
    model = out / "model.glassnet"
    s = session()
    s.load_model(model.read_bytes())
    assert s.cfg["dataset"]["name"] == "moons" and s.features == ["x1", "x2"]
    net = load(model)  # standardized inputs, two softmax outputs
    np.testing.assert_allclose(s.net.forward(s.Phi_test)[:, 0],
                               net.predict_proba(s.X_test)[:, 1], atol=1e-6)
    with pytest.raises(SessionError, match="load_model"):
        s.load_model(b"not a model")
