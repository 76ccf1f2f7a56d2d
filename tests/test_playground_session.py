"""The playground's session state machine, and its glass-box numbers against torch autograd.

The inspect panel's δ, ∂C/∂w and ∂C/∂b come from ``glassnet.explain`` on an exercise built
from the session's current weights; here a torch twin built from the same weights
(tests/torch_twin.py, float64 autograd) recomputes them. The next update is checked against
the update formula written again here (SGD) and against ``torch.optim.Adam`` loaded with the
session optimizer's state. The exported YAML, solved again by ``glassnet.explain``, gives the
panel's numbers.
"""

from __future__ import annotations

import base64

import numpy as np
import pytest
import torch
import torch_twin as twin
import yaml

import glassnet as gn
from glassnet.playground import frames
from glassnet.playground.messages import MessageError, parse_config
from glassnet.playground.session import Session, parse_csv

TOL = {"rtol": 1e-10, "atol": 1e-12}


def make(**config) -> Session:
    base = {"dataset": {"name": "xor", "n": 100}, "batch_size": 10}
    return Session(parse_config({**base, **config}))


def train(s: Session, steps: int) -> None:
    for _ in range(steps):
        assert s.step() is None


# ---------------------------------------------------------------------- state machine
def test_counters_epochs_and_reset():
    s = make()
    assert (s.step_count, s.epoch, s.playing) == (0, 0, False)
    theta0 = s.net.params.copy()
    n_batches = -(-len(s.X_train) // s.batch_size)
    train(s, n_batches)
    assert (s.step_count, s.epoch) == (n_batches, 1)
    assert not np.array_equal(s.net.params, theta0)
    s.playing = True
    s.reset()
    assert (s.step_count, s.epoch, s.playing) == (0, 0, False)
    np.testing.assert_array_equal(s.net.params, theta0)  # re-initialised from the seed
    assert s.optimizer.state_dict()["t"] == 0


def test_the_same_config_gives_the_same_run():
    a, b = make(seed=5), make(seed=5)
    train(a, 7)
    train(b, 7)
    np.testing.assert_array_equal(a.net.params, b.net.params)
    assert not np.array_equal(make(seed=6).net.params, make(seed=5).net.params)


def test_a_step_is_the_engine_step_on_the_next_minibatch():
    s = make(optimizer={"name": "sgd", "lr": 0.1}, l2=0.01)
    idx = s.next_batch().copy()
    net = gn.Network.from_config({**s.net.config(), "dtype": "float64"})
    net.params[...] = s.net.params
    net.compute_gradients(s.F_train[idx], s.T_train[idx], s.loss, s.regularization)
    expected = net.params - 0.1 * net.grads
    assert s.step() is None
    np.testing.assert_allclose(s.net.params, expected, **TOL)


def test_divergence_pauses_with_the_cause():
    s = make(dataset={"name": "plane", "n": 100}, hidden=[{"units": 4, "activation": "identity"}],
             optimizer={"name": "sgd", "lr": 10}, features=["x1", "x2", "x1^2", "x2^2"])
    s.playing = True
    reason = None
    for _ in range(200):
        reason = s.step()
        if reason:
            break
    assert reason is not None and reason.startswith("diverged: train loss is")
    assert "lr 10 is too large?" in reason
    assert not s.playing
    frame = s.frame()  # a diverged network still draws (non-finite numbers are null)
    assert frame["train_loss"] is None


def test_config_and_sizes():
    s = make(features=["x1", "x2", "x1*x2"], hidden=[{"units": 5, "activation": "relu"}] * 3)
    st = s.state()
    assert st["layers"] == [3, 5, 5, 5, 1]
    assert st["task"] == "binary" and st["loss"] == "bce"
    assert st["output_activation"] == "sigmoid"
    assert st["n_train"] + st["n_test"] == 100
    x = np.frombuffer(base64.b64decode(st["train"]["x"]), "<f4").reshape(-1, 2)
    np.testing.assert_allclose(x, s.X_train, rtol=1e-6, atol=1e-6)
    plane = make(dataset={"name": "plane", "n": 50}).state()
    assert (plane["task"], plane["output_activation"], plane["loss"]) == (
        "regression", "identity", "squared_error")


def test_bad_schedule_options_are_message_errors():
    with pytest.raises(MessageError, match=r"config\.schedule"):
        make(schedule={"name": "step", "gamma": 0.5})  # step_size missing
    with pytest.raises(MessageError, match=r"config\.schedule"):
        make(schedule={"name": "exponential", "gamma": -1})


# ---------------------------------------------------------------------- frames
def test_frame_grid_is_one_forward_pass_in_the_documented_order():
    s = make(grid=16, features=["x1", "x2", "sin_x2"])
    train(s, 5)
    f = s.frame()
    G = f["grid"]
    out = np.frombuffer(base64.b64decode(f["output"]), "<f4")
    assert out.shape == (G * G,)
    xmin, xmax, ymin, ymax = f["extent"]
    r, c = 3, 11
    point = np.array([[xmin + c * (xmax - xmin) / (G - 1), ymax - r * (ymax - ymin) / (G - 1)]])
    x = np.column_stack([point[:, 0], point[:, 1], np.sin(point[:, 1])])
    p = s.net.forward_pass(x)
    np.testing.assert_allclose(out[r * G + c], p.output[0, 0], rtol=1e-6)
    unit = np.frombuffer(base64.b64decode(f["units"][0][1]), "<f4")
    np.testing.assert_allclose(unit[r * G + c], p.layers[0].a[0, 1], rtol=1e-5, atol=1e-6)
    W = np.frombuffer(base64.b64decode(f["weights"][0]), "<f4").reshape(s.net.layers[0].W.shape)
    np.testing.assert_allclose(W, s.net.layers[0].W, rtol=1e-6)
    grads = np.frombuffer(base64.b64decode(f["grads"][1]), "<f4")
    np.testing.assert_allclose(grads, s.net.layers[1].grad_W.ravel(), rtol=1e-6, atol=1e-7)


def test_frame_losses_are_the_engine_loss_on_each_set():
    s = make()
    train(s, 3)
    f = s.frame()
    assert f["train_loss"] == pytest.approx(s.loss.value(s.net.forward(s.F_train), s.T_train))
    pred = s.net.forward(s.F_test)[:, 0] > 0.5
    assert f["test_acc"] == pytest.approx(np.mean(pred == (s.y_test == 1)))


# ---------------------------------------------------------------------- inspect vs torch
CASES = [
    ({"hidden": [{"units": 4, "activation": "tanh"}, {"units": 3, "activation": "sigmoid"}]},
     {"name": "sgd", "lr": 0.1}, 0.0),
    ({"hidden": [{"units": 6, "activation": "relu"}], "features": ["x1", "x2", "x1*x2"]},
     {"name": "adam", "lr": 0.01}, 0.003),
    ({"dataset": {"name": "plane", "n": 60}, "hidden": [{"units": 3, "activation": "elu"}]},
     {"name": "momentum", "lr": 0.05, "beta1": 0.8}, 0.01),
]


def torch_reference(s: Session, rows: np.ndarray) -> twin.Twin:
    return twin.run(s.net, s.F_train[rows], s.T_train[rows], s.loss, s.regularization,
                    train=False)


@pytest.mark.parametrize(("config", "optimizer", "l2"), CASES)
def test_inspect_matches_torch_autograd(config, optimizer, l2):
    s = make(**config, optimizer=optimizer, l2=l2)
    train(s, 6)
    n_layers = len(s.net.layers)
    for layer in range(1, n_layers + 1):
        for unit in range(s.net.layers[layer - 1].n_out):
            for sample in (4, None):
                reply = s.inspect(layer, unit, sample)
                v = reply["values"]
                rows = np.array([sample]) if sample is not None else s.next_batch()
                t = torch_reference(s, rows)
                dz = t.z[layer - 1].grad.numpy()[:, unit] * len(rows)  # δ per sample
                z = t.z[layer - 1].detach().numpy()[:, unit]
                a = t.a[layer - 1].detach().numpy()[:, unit]
                if sample is not None:
                    np.testing.assert_allclose([v["z"], v["a"], v["delta"]],
                                               [z[0], a[0], dz[0]], **TOL)
                else:
                    np.testing.assert_allclose(v["delta"], dz, **TOL)
                    np.testing.assert_allclose(v["z"], z, **TOL)
                W = t.params[f"W{layer}"].grad.numpy()[unit]
                b = t.params[f"b{layer}"].grad.numpy()[unit]
                np.testing.assert_allclose(v["dC_dw"], W, **TOL)
                np.testing.assert_allclose(v["dC_db"], b, **TOL)
                small = max(s.net.layers[layer - 1].n_out, s.net.layers[layer - 1].n_in) <= 4
                if sample is not None and small:  # worked unit by unit
                    assert f"δ_{reply['name']} = " in reply["html"]
                else:  # minibatches and wide layers are worked as vectors: the layer's block
                    sup = str(layer).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
                    assert f"δ⁽{sup}⁾ = " in reply["html"]


def test_next_update_of_plain_sgd_is_minus_lr_times_the_gradient():
    s = make(optimizer={"name": "sgd", "lr": 0.2},
             schedule={"name": "exponential", "gamma": 0.9})
    train(s, 3)
    v = s.inspect(2, 0, 1, weight=2)["values"]
    lr = 0.2 * 0.9**3
    assert v["lr"] == pytest.approx(lr, rel=1e-12)
    np.testing.assert_allclose(v["next_update"], -lr * np.array(v["dC_dw"]), **TOL)
    assert v["next_update_bias"] == pytest.approx(-lr * v["dC_db"], rel=1e-10)
    assert v["weight"]["dC_dw"] == v["dC_dw"][2]
    assert v["optimizer_state"]["t"] == 3


def test_next_update_and_state_of_adam_match_torch_optim():
    s = make(optimizer={"name": "adam", "lr": 0.02, "beta1": 0.8, "beta2": 0.95})
    train(s, 5)
    layer, unit, sample = 1, 1, 7
    v = s.inspect(layer, unit, sample)["values"]
    state = s.optimizer.state_dict()
    # torch's Adam on all of θ, resumed from glassnet's m, v, t, given the panel's gradient
    t = torch_reference(s, np.array([sample]))
    grad = t.flat_grads(s.net)
    theta = torch.tensor(s.net.params.copy(), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([theta], lr=0.02, betas=(0.8, 0.95), eps=1e-8)
    opt.state[theta] = {"step": torch.tensor(float(state["t"])),
                        "exp_avg": torch.tensor(state["m"]), "exp_avg_sq": torch.tensor(state["v"])}
    theta.grad = torch.tensor(grad)
    before = theta.detach().clone()
    opt.step()
    change = (theta.detach() - before).numpy()
    slot = s.net.slot(f"W{layer}")
    n_in = slot.shape[1]
    w_idx = np.arange(slot.start + unit * n_in, slot.start + (unit + 1) * n_in)
    np.testing.assert_allclose(v["next_update"], change[w_idx], rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(v["optimizer_state"]["weights"]["m"], state["m"][w_idx], **TOL)
    b_idx = s.net.slot(f"b{layer}").start + unit
    assert v["next_update_bias"] == pytest.approx(change[b_idx], rel=1e-9, abs=1e-14)


def test_inspect_refuses_indices_that_do_not_exist():
    s = make()
    with pytest.raises(MessageError, match=r"inspect\.layer: there is no layer 4"):
        s.inspect(4, 0, 0)
    with pytest.raises(MessageError, match=r"inspect\.unit: layer 1 has 4 units"):
        s.inspect(1, 4, 0)
    with pytest.raises(MessageError, match=r"inspect\.sample: there is no train sample 50"):
        s.inspect(1, 0, 50)
    with pytest.raises(MessageError, match=r"inspect\.weight"):
        s.inspect(1, 0, 0, weight=2)


# ---------------------------------------------------------------------- export, walk
@pytest.mark.parametrize("optimizer", [{"name": "sgd", "lr": 0.1}, {"name": "rmsprop", "lr": 0.01}])
def test_exported_yaml_reproduces_the_panel(optimizer):
    s = make(optimizer=optimizer, l2=0.001, dropout=[{"rate": 0.3}, {"rate": 0.0}])
    train(s, 4)
    reply = s.inspect(2, 1, 9)
    exported = s.export()
    assert exported["sample"] == 9
    sol = gn.explain(exported["exercise_yaml"])
    back = next(b for b in sol.to_dict()["backward"] if b["layer"] == 2)
    assert back["delta"][0][1] == reply["values"]["delta"]
    assert sol["gradients"]["W2[2,1]"] == reply["values"]["dC_dw"][0]
    assert sol["forward"][1]["z"][0][1] == reply["values"]["z"]
    spec = yaml.safe_load(exported["exercise_yaml"])
    assert ("train" in spec) == (optimizer["name"] == "sgd")  # stateful optimizers: no step
    if "train" in spec:
        step = sol.to_dict()["steps"][0]
        new = step["params"]["W2[2,1]"] - s.net.layers[1].W[1, 0]
        assert new == pytest.approx(reply["values"]["next_update"][0], rel=1e-9)


def test_walk_goes_forward_then_backward():
    s = make(hidden=[{"units": 3, "activation": "tanh"}])
    steps = s.walk_steps()
    assert len(steps) == 2 * (3 + 1)
    first, last = s.walk(2, 0), s.walk(2, len(steps) - 1)
    assert (first["phase"], first["layer"], first["unit"]) == ("forward", 1, 0)
    assert (last["phase"], last["layer"], last["unit"]) == ("backward", 1, 2)
    assert "z_h1_1 = " in first["html"] and "δ_h1_3" in last["html"]
    inspected = s.inspect(1, 2, 2)["values"]
    assert last["values"]["delta"] == inspected["delta"]
    with pytest.raises(MessageError, match=r"walk\.index: the walk has 8 steps"):
        s.walk(2, 8)


# ---------------------------------------------------------------------- upload, models
def test_upload_csv_and_errors_naming_row_and_column():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    lines = ["a,b,label"] + [f"{x1},{x2},{int(x1 * x2 > 0)}" for x1, x2 in X]
    s = make()
    s.upload("mine.csv", "\n".join(lines))
    st = s.state()
    assert st["config"]["dataset"]["name"] == "upload"
    assert st["n_train"] + st["n_test"] == 40 and st["task"] == "binary"
    bad = [*lines[:5], "1.0,abc,1", *lines[5:]]
    with pytest.raises(MessageError, match=r"row 6, column 2 \(x2\): 'abc' is not a number"):
        parse_csv("bad.csv", "\n".join(bad))
    with pytest.raises(MessageError, match="row 3: expected 3 columns"):
        parse_csv("bad.csv", "1,2,0\n3,4,1\n5,6\n1,1,1\n2,2,0")
    X, y, task = parse_csv("r.csv", "1,2,0.5\n3,4,1.5\n5,6,2\n7,8,0")
    assert task == "regression" and y.shape == (4, 1)


def test_model_round_trip_and_refusals(tmp_path):
    s = make(hidden=[{"units": 3, "activation": "tanh"}])
    train(s, 10)
    before = s.frame()["output"]
    data = s.export_model()["data_base64"]
    other = make(hidden=[{"units": 7, "activation": "relu"}])
    other.load_model(data)
    assert other.state()["layers"] == [2, 3, 1] and other.state()["model_loaded"]
    assert other.frame()["output"] == before
    with pytest.raises(MessageError, match="not valid base64"):
        other.load_model("@@@")
    with pytest.raises(MessageError, match="load_model"):
        other.load_model(base64.b64encode(b"not a model").decode())
    three = gn.Network([gn.Dense(3, 2, "tanh"), gn.Dense(2, 1, "sigmoid")], dtype="float64")
    three.save(tmp_path / "three.glassnet")
    blob = base64.b64encode((tmp_path / "three.glassnet").read_bytes()).decode()
    with pytest.raises(MessageError, match="takes 3 inputs"):
        other.load_model(blob)


def test_feature_matrix():
    X = np.array([[1.0, 2.0], [-0.5, 3.0]])
    F = frames.feature_matrix(X, ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin_x1", "sin_x2"])
    np.testing.assert_allclose(F[1], [-0.5, 3.0, 0.25, 9.0, -1.5, np.sin(-0.5), np.sin(3.0)])
