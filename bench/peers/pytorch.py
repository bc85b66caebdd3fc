"""Peer: PyTorch training a wgtrain preset on the same MNIST split, as its users write it.

    python3 bench/peers/pytorch.py --config '<json>'          # time it; one JSON line on stdout
    python3 bench/peers/pytorch.py --check --config '<json>'  # validate, read the data, no torch

The config (written by bench/peers/run-pytorch.ts) holds the preset's TrainConfig and what to
measure; nothing of a preset is repeated here:
    {"preset": "lecun", "config": {TrainConfig}, "data": "/abs/mnist", "validation": 10000,
     "batches": [100, 1000], "modes": ["eager", "graph"], "epochs": 1, "warmup": 20,
     "images": null}
The network comes from config.model (input, the list of layers (LAYER_SHAPES names the types mapped),
hidden and output activations, loss, init), the optimiser from config.optimizer, lr, momentum,
Adam's betas, l2 (added to the weights' gradient, biases excluded, as wgtrain does) and dropout.
η is the preset's first-epoch η, kept constant.

Data: the IDX training files (gzipped or not, .gz preferred, as wgtrain reads them); the last
`validation` images are the validation set, the rest (or their first `images`) are trained on.
Both are put on the device once, as float32 in [0, 1] and int64 labels.

Modes, per batch size, each from a fresh network initialised from the seed:
    eager  the loop users write: a shuffled order per epoch on the device; per mini-batch index
           the resident tensors, forward, loss, backward, optimiser step.
    graph  CUDA only: the whole step (the gather from a static index tensor, forward, loss,
           backward, optimiser step) captured once in a torch.cuda.CUDAGraph after a warm-up
           on a side stream; per mini-batch, copy the indices into the static tensor (on the
           device) and replay.
A run: `warmup` untimed mini-batches, then `epochs` timed epochs (each every whole mini-batch
of the training images), the clock stopped after torch.cuda.synchronize(); samples/s is their
median. The validation accuracy and loss after the timed epochs show that it really trained.

Accuracy (job "accuracy": {"thresholds": [0.98, 0.99, 0.995]}): the preset's whole recipe as
wgtrain runs it (its epochs, batch, schedule per mini-batch, optimiser), validation after
every epoch; the training time (validation excluded, from the first mini-batch) at which
validation first reached each threshold. One row {"mode": "accuracy", "batch", "epochs",
"valAccuracies", "epochSeconds", "timeTo": {"0.99": seconds | null}}.

Output: one JSON line {"peer": "pytorch", "torch", "device", "deviceName", "train", "val",
"rows": [{"mode", "batch", "samplesPerSecond", "rates", "steps", "epochs", "warmupSteps",
"seconds", "valAccuracy", "valLoss"} | {"mode", "batch", "skipped"} | {"mode", "batch",
"error"}], "note"}; on a failure before any row, {"peer": "pytorch", "error"} and exit 1.
Everything else goes to stderr.
"""

import argparse
import gzip
import json
import os
import statistics
import struct
import sys
import time
import traceback

MODES = ("eager", "graph")
ACTIVATIONS = ("identity", "relu", "sigmoid", "tanh", "softplus")
LOSSES = ("cross-entropy", "quadratic")
INITS = ("xavier", "he", "normal")
OPTIMIZERS = ("sgd", "momentum", "adam", "adamw")
SCHEDULES = ("step", "cosine", "onecycle")
IDX_NAMES = {"images": "train-images-idx3-ubyte", "labels": "train-labels-idx1-ubyte"}
IDX_MAGIC = {"images": (0x803, 3), "labels": (0x801, 1)}
NO_GRAPH = "CUDA graphs need a CUDA device"


class ConfigError(Exception):
    pass


# ---- configuration --------------------------------------------------------------------


def whole(value, name, least):
    if not isinstance(value, int) or isinstance(value, bool) or value < least:
        raise ConfigError(f"{name} must be a whole number >= {least} (got {value!r})")
    return value


def output_length(n, k, stride, pad):
    return (n + 2 * pad - k) // stride + 1


def _conv_shape(f, c, h, w):
    return f["filters"], output_length(h, f["kh"], f["stride"], f["pad"]), output_length(w, f["kw"], f["stride"], f["pad"])


def _maxpool_shape(f, c, h, w):
    if 2 * f["pad"] > f["size"]:
        raise ConfigError(f"torch pools with padding at most half the window (pad {f['pad']}, size {f['size']})")
    return c, output_length(h, f["size"], f["stride"], f["pad"]), output_length(w, f["size"], f["stride"], f["pad"])


def _avgpool_shape(f, c, h, w):
    return _maxpool_shape(f, c, h, w)  # nn.AvgPool2d: the same rule; count_include_pad=True as wgtrain's


def _globalavgpool_shape(f, c, h, w):
    return c, 1, 1


def _batchnorm_shape(f, c, h, w):
    return c, h, w


def _dense_shape(f, c, h, w):
    return f["units"], 1, 1


# The layer types this peer maps to torch, by wgtrain's layer type: its shape rule.
LAYER_SHAPES = {
    "conv": _conv_shape,
    "maxpool": _maxpool_shape,
    "avgpool": _avgpool_shape,
    "globalavgpool": _globalavgpool_shape,
    "batchnorm": _batchnorm_shape,
    "dense": _dense_shape,
}


def layer_shapes(model):
    """The (channels, height, width) after each of model.layers."""
    shape = model.get("input")
    layers = model.get("layers")
    if not isinstance(shape, dict) or not isinstance(layers, list) or not layers:
        raise ConfigError("config.model needs input (channels, height, width) and a list of layers")
    c, h, w = shape["channels"], shape["height"], shape["width"]
    shapes = []
    for i, f in enumerate(layers):
        rule = LAYER_SHAPES.get(f.get("type"))
        if rule is None:
            raise ConfigError(f"model.layers[{i}] has type {f.get('type')!r}: this peer maps {', '.join(LAYER_SHAPES)}")
        try:
            c, h, w = rule(f, c, h, w)
        except ConfigError as e:
            raise ConfigError(f"model.layers[{i}]: {e}") from None
        if h < 1 or w < 1:
            raise ConfigError(f"model.layers[{i}] leaves an empty {h}x{w} output")
        shapes.append((c, h, w))
    if layers[-1].get("type") != "dense":
        raise ConfigError("model.layers must end with a dense layer of one unit per class")
    return shapes


def is_spatial(model):
    return any(f.get("type") != "dense" for f in model["layers"])


def input_size(model):
    shape = model["input"]
    return shape["channels"] * shape["height"] * shape["width"]


def class_count(model):
    return model["layers"][-1]["units"]


def check_config(job):
    """Refuses a config this script cannot run, naming the field; returns it with defaults."""
    for key in ("config", "data", "batches"):
        if key not in job:
            raise ConfigError(f"the config has no {key!r}")
    cfg = job["config"]
    model = cfg.get("model")
    if not isinstance(model, dict):
        raise ConfigError("config.model is missing")
    if model.get("activation") not in ACTIVATIONS:
        raise ConfigError(f"config.model.activation {model.get('activation')!r} is not one of {', '.join(ACTIVATIONS)}")
    if model.get("loss") not in LOSSES:
        raise ConfigError(f"config.model.loss {model.get('loss')!r} is not one of {', '.join(LOSSES)}")
    if model["loss"] == "quadratic" and model.get("outputActivation") not in ACTIVATIONS:
        raise ConfigError(f"config.model.outputActivation {model.get('outputActivation')!r} is not one of {', '.join(ACTIVATIONS)}")
    if model.get("init") not in INITS:
        raise ConfigError(f"config.model.init {model.get('init')!r} is not one of {', '.join(INITS)}")
    layer_shapes(model)
    optimizer = cfg.get("optimizer") or ("momentum" if cfg.get("momentum", 0) > 0 else "sgd")
    if optimizer not in OPTIMIZERS:
        raise ConfigError(f"config.optimizer {optimizer!r} is not one of {', '.join(OPTIMIZERS)}")
    if not (isinstance(cfg.get("lr"), (int, float)) and cfg["lr"] > 0):
        raise ConfigError(f"config.lr must be a positive number (got {cfg.get('lr')!r})")
    if not (cfg.get("l2", 0) >= 0):
        raise ConfigError(f"config.l2 must be >= 0 (got {cfg.get('l2')!r})")
    if cfg.get("lrSchedule", "step") not in SCHEDULES:
        raise ConfigError(f"config.lrSchedule {cfg.get('lrSchedule')!r} is not one of {', '.join(SCHEDULES)}")
    if not (0 <= cfg.get("dropout", 0) < 1):
        raise ConfigError(f"config.dropout must be in [0, 1) (got {cfg.get('dropout')!r})")
    batches = job["batches"]
    if not isinstance(batches, list) or not batches:
        raise ConfigError("batches must be a non-empty list")
    for b in batches:
        whole(b, "every batch size", 1)
    modes = job.get("modes", list(MODES))
    accuracy = job.get("accuracy")
    if accuracy is not None:
        if not isinstance(accuracy, dict) or not all(isinstance(t, (int, float)) and 0 < t <= 1 for t in accuracy.get("thresholds", [])):
            raise ConfigError('accuracy must be {"thresholds": [fractions in (0, 1]]}')
        modes = ["accuracy"]
    elif any(m not in MODES for m in modes):
        raise ConfigError(f"modes {modes!r}: each must be one of {', '.join(MODES)}")
    return {
        **job,
        "optimizer": optimizer,
        "modes": modes,
        "validation": whole(job.get("validation", 10000), "validation", 1),
        "epochs": whole(job.get("epochs", 1), "epochs", 1),
        "warmup": whole(job.get("warmup", 20), "warmup", 1),
        "images": None if job.get("images") is None else whole(job["images"], "images", 1),
        "threads": None if job.get("threads") is None else whole(job["threads"], "threads", 1),
        "seed": whole(cfg.get("seed", 1), "config.seed", 0),
    }


# ---- data -----------------------------------------------------------------------------


def idx_file(folder, role):
    name = IDX_NAMES[role]
    for candidate in (name + ".gz", name):
        path = os.path.join(folder, candidate)
        if os.path.isfile(path):
            return path
    raise ConfigError(f"{folder} has no {name}(.gz); run `wgtrain data mnist` or pass the folder holding the IDX files")


def read_idx(folder, role):
    """(dims, payload bytes) of one IDX file, its header checked."""
    path = idx_file(folder, role)
    with (gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")) as f:
        raw = f.read()
    magic_want, ndim = IDX_MAGIC[role]
    if len(raw) < 4 + 4 * ndim:
        raise ConfigError(f"{path} is too short for an IDX header")
    magic = struct.unpack(">I", raw[:4])[0]
    if magic != magic_want:
        raise ConfigError(f"{path}: IDX magic {magic:#x}, expected {magic_want:#x} (unsigned bytes, {ndim} dimensions)")
    dims = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    payload = raw[4 + 4 * ndim :]
    need = 1
    for d in dims:
        need *= d
    if len(payload) != need:
        raise ConfigError(f"{path}: {len(payload)} bytes of data for dimensions {dims} ({need})")
    return dims, payload


def read_mnist(folder, validation):
    """The training images and labels as bytes, and the split point (the last `validation` are held out)."""
    (count, rows, cols), images = read_idx(folder, "images")
    (label_count,), labels = read_idx(folder, "labels")
    if label_count != count:
        raise ConfigError(f"{folder}: {count} images but {label_count} labels")
    if validation >= count:
        raise ConfigError(f"validation {validation} leaves no training images of {count}")
    return {"count": count, "rows": rows, "cols": cols, "images": images, "labels": labels, "cut": count - validation}


def check(job, mnist=None):
    """--check: the config against the data, without torch. What a run would train on."""
    mnist = mnist or read_mnist(job["data"], job["validation"])
    pixels = mnist["rows"] * mnist["cols"]
    model = job["config"]["model"]
    if input_size(model) != pixels:
        raise ConfigError(f"the network takes {input_size(model)} inputs but the images have {pixels} pixels")
    classes = max(mnist["labels"]) + 1
    if class_count(model) != classes:
        raise ConfigError(f"the network has {class_count(model)} outputs but the data has {classes} classes")
    train = mnist["cut"] if job["images"] is None else min(job["images"], mnist["cut"])
    too_big = [b for b in job["batches"] if b > train]
    if too_big:
        raise ConfigError(f"batch {too_big[0]} is larger than the {train} training images")
    val_labels = mnist["labels"][mnist["cut"] :]
    return {
        "peer": "pytorch",
        "check": True,
        "train": train,
        "val": len(val_labels),
        "pixels": pixels,
        "classes": classes,
        "valLabelCounts": [val_labels.count(k) for k in range(classes)],
        "optimizer": job["optimizer"],
    }


# ---- the network and its training (torch from here on) --------------------------------


def run(job):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    cuda = torch.cuda.is_available()
    dev = torch.device("cuda" if cuda else "cpu")
    if job["threads"] is not None:  # else torch's default (one per core, or what OMP_NUM_THREADS says)
        torch.set_num_threads(job["threads"])
    cfg, model_spec = job["config"], job["config"]["model"]
    # Each layer's input size (a dense layer's inputs: its input flattened).
    first = model_spec["input"]
    dense_inputs = [c * h * w for c, h, w in [(first["channels"], first["height"], first["width"])] + layer_shapes(model_spec)[:-1]]
    mnist = read_mnist(job["data"], job["validation"])
    checked = check(job, mnist)

    def activation(name):
        return {"identity": nn.Identity, "relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "softplus": nn.Softplus}[name]()

    def init_(layer):
        if model_spec["init"] == "xavier":  # U(±sqrt(6 / (fan_in + fan_out))), fans counting a kernel's taps
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
        elif model_spec["init"] == "he":  # N(0, 2 / fan_in)
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            nn.init.zeros_(layer.bias)
        else:  # N(0, 1) weights and biases (Nielsen)
            nn.init.normal_(layer.weight)
            nn.init.normal_(layer.bias)
        return layer

    def build():
        """model.layers in order, as torch modules: conv/pool on (N, C, H, W), Flatten before the first dense layer."""
        stages = []
        channels = model_spec["input"]["channels"]
        layers = model_spec["layers"]
        spatial = False
        for i, f in enumerate(layers):
            last = i == len(layers) - 1
            act = f.get("activation") or model_spec["activation"]
            if f["type"] == "conv":
                stages += [init_(nn.Conv2d(channels, f["filters"], (f["kh"], f["kw"]), f["stride"], f["pad"])), activation(act)]
                channels, spatial = f["filters"], True
            elif f["type"] == "maxpool":
                stages.append(nn.MaxPool2d(f["size"], f["stride"], f["pad"]))
                spatial = True
            elif f["type"] == "avgpool":
                stages.append(nn.AvgPool2d(f["size"], f["stride"], f["pad"]))  # count_include_pad=True, as wgtrain
                spatial = True
            elif f["type"] == "globalavgpool":
                stages.append(nn.AdaptiveAvgPool2d(1))
                spatial = True
            elif f["type"] == "batchnorm":  # per channel after a conv, per unit after a dense layer; momentum 0.1, ε 1e-5 as wgtrain
                stages += [nn.BatchNorm2d(channels) if spatial else nn.BatchNorm1d(channels), activation(f.get("activation") or "identity")]
            else:  # dense
                if spatial:
                    stages.append(nn.Flatten())
                    spatial = False
                stages.append(init_(nn.Linear(dense_inputs[i], f["units"])))
                channels = f["units"]
                if not last:
                    stages.append(activation(act))
                    if cfg.get("dropout", 0) > 0:
                        stages.append(nn.Dropout(cfg["dropout"]))
                elif model_spec["loss"] == "quadratic":
                    stages.append(activation(model_spec["outputActivation"]))
        return nn.Sequential(*stages).to(dev)

    def optimizer(net, capturable):
        weights = [p for n, p in net.named_parameters() if n.endswith("weight")]
        biases = [p for n, p in net.named_parameters() if not n.endswith("weight")]
        groups = [{"params": weights, "weight_decay": cfg.get("l2", 0)}, {"params": biases, "weight_decay": 0}]
        betas = (cfg.get("beta1", 0.9), cfg.get("beta2", 0.999))
        if job["optimizer"] == "adam":
            return torch.optim.Adam(groups, lr=cfg["lr"], betas=betas, eps=cfg.get("eps", 1e-8), capturable=capturable)
        if job["optimizer"] == "adamw":  # decoupled weight decay on the weights only, as wgtrain
            groups = [{"params": weights, "weight_decay": cfg.get("weightDecay", 1e-2)}, {"params": biases, "weight_decay": 0}]
            return torch.optim.AdamW(groups, lr=cfg["lr"], betas=betas, eps=cfg.get("eps", 1e-8), capturable=capturable)
        return torch.optim.SGD(groups, lr=cfg["lr"], momentum=cfg.get("momentum", 0) if job["optimizer"] == "momentum" else 0)

    one_hot = torch.eye(class_count(model_spec), device=dev)  # rows gathered by label: no check that would sync

    def loss_of(out, y):
        if model_spec["loss"] == "cross-entropy":
            return F.cross_entropy(out, y)  # softmax + cross-entropy, mean over the mini-batch
        return 0.5 * (out - one_hot.index_select(0, y)).pow(2).sum(1).mean()  # ½‖a − onehot(y)‖², mean over the mini-batch

    # The data, once, on the device.
    shape = (1, mnist["rows"], mnist["cols"]) if is_spatial(model_spec) else (mnist["rows"] * mnist["cols"],)
    pixels = torch.frombuffer(bytearray(mnist["images"]), dtype=torch.uint8).to(dev).float().div_(255)
    labels = torch.frombuffer(bytearray(mnist["labels"]), dtype=torch.uint8).to(dev).long()
    pixels = pixels.view(mnist["count"], *shape)
    cut, train = mnist["cut"], checked["train"]
    X, Y = pixels[:train], labels[:train]
    X_val, Y_val = pixels[cut:], labels[cut:]

    def sync():
        if cuda:
            torch.cuda.synchronize()

    def evaluate(net):
        net.eval()
        correct, loss = 0, 0.0
        with torch.no_grad():
            for i in range(0, X_val.shape[0], 1000):
                out = net(X_val[i : i + 1000])
                correct += (out.argmax(1) == Y_val[i : i + 1000]).sum().item()
                loss += loss_of(out, Y_val[i : i + 1000]).item() * out.shape[0]
        net.train()
        return correct / X_val.shape[0], loss / X_val.shape[0]

    def measure(mode, batch):
        torch.manual_seed(job["seed"])
        net = build()
        opt = optimizer(net, capturable=mode == "graph")
        steps = train // batch  # each epoch drops its incomplete last mini-batch
        order = lambda: torch.randperm(train, device=dev)  # noqa: E731

        def step(idx):
            loss = loss_of(net(X.index_select(0, idx)), Y.index_select(0, idx))
            loss.backward()
            opt.step()
            return loss

        perm = order()
        if mode == "eager":
            for s in range(job["warmup"]):
                s %= steps
                opt.zero_grad(set_to_none=True)
                step(perm[s * batch : (s + 1) * batch])

            def epoch(perm):
                for s in range(steps):
                    opt.zero_grad(set_to_none=True)
                    step(perm[s * batch : (s + 1) * batch])

        else:
            static_idx = perm[:batch].clone()
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                for s in range(job["warmup"]):
                    s %= steps
                    static_idx.copy_(perm[s * batch : (s + 1) * batch])
                    opt.zero_grad(set_to_none=True)
                    step(static_idx)
            torch.cuda.current_stream().wait_stream(side)
            graph = torch.cuda.CUDAGraph()
            opt.zero_grad(set_to_none=True)  # the captured backward allocates the gradients it writes
            with torch.cuda.graph(graph, stream=side):  # the warm-up's stream: its cuBLAS workspace exists already
                step(static_idx)
            for s in range(min(job["warmup"], steps)):
                static_idx.copy_(perm[s * batch : (s + 1) * batch])
                graph.replay()

            def epoch(perm):
                for s in range(steps):
                    static_idx.copy_(perm[s * batch : (s + 1) * batch])
                    graph.replay()

        rates, seconds = [], 0.0
        for _ in range(job["epochs"]):
            perm = order()
            sync()
            t0 = time.perf_counter()
            epoch(perm)
            sync()
            dt = time.perf_counter() - t0
            seconds += dt
            rates.append(steps * batch / dt)
        accuracy, val_loss = evaluate(net)
        return {
            "mode": mode, "batch": batch, "samplesPerSecond": statistics.median(rates), "rates": rates, "steps": steps,
            "epochs": job["epochs"], "warmupSteps": job["warmup"], "seconds": seconds, "valAccuracy": accuracy, "valLoss": val_loss,
        }

    def rate_at(epoch, s, steps):
        """wgtrain's learningRate (src/train/schedule.ts): η of mini-batch s of epoch (1-based)."""
        import math
        t, T, W = (epoch - 1) * steps + s, cfg["epochs"] * steps, cfg.get("warmup", 0)
        lr, sched = cfg["lr"], cfg.get("lrSchedule", "step")
        cos = lambda a, b, pct: b + (a - b) / 2 * (math.cos(math.pi * pct) + 1)  # noqa: E731
        warm = lambda r: r * (t + 1) / W if t < W else r  # noqa: E731
        if sched == "step":
            return warm(lr * cfg.get("lrDecay", 1) ** (epoch - 1))
        if sched == "cosine":
            return warm(lr) if t < W else cos(lr, cfg.get("lrMin", 0), (t - W) / (T - W))
        initial, end = lr / 25, lr / 25 / 1e4  # torch's OneCycleLR defaults, cycle_momentum off
        warm_end = 0.3 * T - 1
        return cos(initial, lr, t / warm_end) if t <= warm_end else cos(lr, end, (t - warm_end) / (T - 1 - warm_end))

    def time_to_accuracy(batch):
        """The recipe end to end; validation after each epoch, its time not counted."""
        torch.manual_seed(job["seed"])
        net = build()
        opt = optimizer(net, capturable=False)
        steps = train // batch
        thresholds = job["accuracy"]["thresholds"]
        time_to = {str(t): None for t in thresholds}
        accuracies, epoch_seconds, seconds = [], [], 0.0
        for epoch in range(1, cfg["epochs"] + 1):
            perm = torch.randperm(train, device=dev)
            sync()
            t0 = time.perf_counter()
            for s in range(steps):
                for g in opt.param_groups:
                    g["lr"] = rate_at(epoch, s, steps)
                idx = perm[s * batch : (s + 1) * batch]
                opt.zero_grad(set_to_none=True)
                loss_of(net(X.index_select(0, idx)), Y.index_select(0, idx)).backward()
                opt.step()
            sync()
            dt = time.perf_counter() - t0
            seconds += dt
            epoch_seconds.append(dt)
            accuracy, _ = evaluate(net)
            accuracies.append(accuracy)
            for t in thresholds:
                if time_to[str(t)] is None and accuracy >= t:
                    time_to[str(t)] = seconds
            print(f"pytorch accuracy: epoch {epoch} val {100 * accuracy:.2f}% {dt:.1f} s", file=sys.stderr, flush=True)
        return {
            "mode": "accuracy", "batch": batch, "epochs": cfg["epochs"], "steps": steps, "valAccuracies": accuracies,
            "epochSeconds": epoch_seconds, "seconds": seconds, "timeTo": time_to, "valAccuracy": accuracies[-1],
        }

    rows = []
    if job.get("accuracy") is not None:
        rows.append(time_to_accuracy(cfg["batch"]))
    for batch in ([] if job.get("accuracy") is not None else job["batches"]):
        for mode in job["modes"]:
            if mode == "graph" and not cuda:
                rows.append({"mode": mode, "batch": batch, "skipped": NO_GRAPH})
                continue
            try:
                rows.append(measure(mode, batch))
            except Exception as e:  # one failed row (a capture torch refuses) leaves the others
                traceback.print_exc(file=sys.stderr)
                rows.append({"mode": mode, "batch": batch, "error": f"{type(e).__name__}: {e}".splitlines()[0]})

    threads = "" if cuda else f", {torch.get_num_threads()} threads"
    note = (
        f"torch {torch.__version__} on {dev.type}{threads}; float32 matmul precision {torch.get_float32_matmul_precision()}; "
        + (f"{job['optimizer']} η={cfg['lr']} {cfg.get('lrSchedule', 'step')} schedule per mini-batch as wgtrain's"
           if job.get("accuracy") is not None else f"{job['optimizer']} η={cfg['lr']} constant")
        + f", L2 λ={cfg.get('l2', 0)} on weights; data resident on the device"
    )
    return {
        "peer": "pytorch",
        "torch": torch.__version__,
        "device": dev.type,
        "deviceName": torch.cuda.get_device_name(0) if cuda else "cpu",
        "threads": None if cuda else torch.get_num_threads(),
        "train": train,
        "val": int(X_val.shape[0]),
        "rows": rows,
        "note": note,
    }


def main():
    parser = argparse.ArgumentParser(description="PyTorch peer for wgtrain's benchmark")
    parser.add_argument("--config", required=True, help="the JSON written by bench/peers/run-pytorch.ts")
    parser.add_argument("--check", action="store_true", help="validate the config and read the data; no torch")
    args = parser.parse_args()
    try:
        try:
            job = json.loads(args.config)
        except json.JSONDecodeError as e:
            raise ConfigError(f"--config is not JSON: {e}")
        if not isinstance(job, dict):
            raise ConfigError("--config must be a JSON object")
        job = check_config(job)
        result = check(job) if args.check else run(job)
    except Exception as e:
        if not isinstance(e, ConfigError):
            traceback.print_exc(file=sys.stderr)
        print(json.dumps({"peer": "pytorch", "error": f"{type(e).__name__}: {e}" if not isinstance(e, ConfigError) else str(e)}))
        sys.exit(1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
