"""The same workloads written the way users write them today, as the peer epochcost is measured
against: plain PyTorch eager for the MLP and ResNet (torchvision), Hugging Face transformers + PEFT
LoRA for the decoder (a random-init LlamaConfig of the same shape, SDPA attention).

It reads the resolved config that `epochcost info CONFIG --format json` prints, times training
steps the careful way (warmup, then CUDA events or a synchronised clock) and prints the same JSON
timing fields as epochcost's result:
    build/epochcost info CONFIG --format json | python3 scripts/reference/train_reference.py
With --check it only says (exit 1) which Python packages the workload's peer lacks.
"""
import json
import math
import statistics
import sys
import time

import torch

WINDOW_S = 0.05  # seconds of steps per clock read, epochcost's window
T_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262,
         10: 2.228, 15: 2.131, 20: 2.086, 30: 2.042}


def t_975(df):
    for limit in sorted(T_975):
        if df <= limit:
            return T_975[limit]
    return 1.96 + 2.4 / df


def summary(samples):
    xs = sorted(samples)
    n = len(xs)
    mean = statistics.fmean(xs)
    stddev = statistics.stdev(xs) if n > 1 else float("nan")
    half = t_975(n - 1) * stddev / math.sqrt(n) if n > 1 else float("nan")

    def pct(q):
        r = q * (n - 1)
        lo = math.floor(r)
        hi = min(lo + 1, n - 1)
        return xs[lo] + (r - lo) * (xs[hi] - xs[lo])

    return {"count": n, "mean": mean, "median": pct(0.5), "stddev": stddev, "min": xs[0],
            "max": xs[-1], "p05": pct(0.05), "p95": pct(0.95), "ci95_low": mean - half,
            "ci95_high": mean + half}


def device_of(config):
    wanted = config["device"]
    if wanted == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(wanted)


def autocast_dtype(precision):
    return {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)


def make_optimizer(params, spec, device):
    name = spec["name"]
    if name == "sgd":
        return torch.optim.SGD(params, lr=spec["lr"], momentum=spec.get("momentum", 0.0),
                               weight_decay=spec["weight_decay"])
    kind = torch.optim.AdamW if name == "adamw" else torch.optim.Adam
    fused = spec.get("fused", "auto")
    fused = device.type == "cuda" if fused == "auto" else bool(fused)
    return kind(params, lr=spec["lr"], betas=(spec["beta1"], spec["beta2"]), eps=spec["eps"],
                weight_decay=spec["weight_decay"], fused=fused)


def mlp_workload(config, device):
    m = config["model"]
    layers, width = [], m["input_dim"]
    act = {"relu": torch.nn.ReLU, "gelu": torch.nn.GELU, "tanh": torch.nn.Tanh}[m["activation"]]
    for hidden in m["hidden"]:
        layers += [torch.nn.Linear(width, hidden), act()]
        width = hidden
    layers.append(torch.nn.Linear(width, m["output_dim"]))
    model = torch.nn.Sequential(*layers).to(device)
    samples = config["data"]["samples"]
    x = torch.randn(samples, m["input_dim"])
    if m["loss"] == "mse":
        y, loss_fn = torch.randn(samples, m["output_dim"]), torch.nn.MSELoss()
    else:
        y, loss_fn = torch.randint(m["output_dim"], (samples,)), torch.nn.CrossEntropyLoss()
    data = torch.utils.data.TensorDataset(x, y)

    def loss(batch):
        inputs, targets = (t.to(device, non_blocking=True) for t in batch)
        return loss_fn(model(inputs).float(), targets)

    return model, data, loss, None


def resnet_workload(config, device):
    import torchvision  # noqa: the users' way
    m = config["model"]
    model = getattr(torchvision.models, f"resnet{m['depth']}")(num_classes=m["classes"]).to(device)
    memory_format = torch.channels_last if m["channels_last"] else torch.contiguous_format
    model = model.to(memory_format=memory_format)
    pool = min(config["data"]["samples"], 4 * config["data"]["batch_size"])
    size = m["image_size"]
    data = torch.utils.data.TensorDataset(torch.randn(pool, 3, size, size),
                                          torch.randint(m["classes"], (pool,)))
    loss_fn = torch.nn.CrossEntropyLoss()

    def loss(batch):
        images, labels = (t.to(device, non_blocking=True) for t in batch)
        return loss_fn(model(images.contiguous(memory_format=memory_format)).float(), labels)

    return model, data, loss, None


def decoder_workload(config, device):
    from transformers import LlamaConfig, LlamaForCausalLM
    m, seq = config["model"], config["data"]["seq_len"]
    hf = LlamaConfig(vocab_size=m["vocab"], hidden_size=m["hidden"], intermediate_size=m["intermediate"],
                     num_hidden_layers=m["layers"], num_attention_heads=m["heads"],
                     num_key_value_heads=m["kv_heads"], max_position_embeddings=m["context"],
                     rms_norm_eps=m["norm_eps"], rope_theta=m["rope_theta"],
                     attention_bias=m["attention_bias"], tie_word_embeddings=m["tie_embeddings"],
                     attn_implementation="sdpa")
    dtype = torch.bfloat16 if config["precision"] == "bf16-pure" else torch.float32
    with torch.device(device):
        model = LlamaForCausalLM(hf).to(dtype)
    lora = m["lora"]
    if lora["rank"] > 0:
        from peft import LoraConfig, get_peft_model
        names = {"q": "q_proj", "k": "k_proj", "v": "v_proj", "o": "o_proj", "gate": "gate_proj",
                 "up": "up_proj", "down": "down_proj"}
        # PEFT casts bf16 adapters to fp32 unless told not to; epochcost's are in the weights'
        # dtype under bf16-pure.
        model = get_peft_model(model, LoraConfig(r=lora["rank"], lora_alpha=lora["alpha"],
                                                 lora_dropout=lora["dropout"],
                                                 target_modules=[names[t] for t in lora["targets"]]),
                               autocast_adapter_dtype=config["precision"] != "bf16-pure")
    pool = min(config["data"]["samples"], 4 * config["data"]["batch_size"])
    data = torch.utils.data.TensorDataset(torch.randint(m["vocab"], (pool, seq)))

    def loss(batch):
        ids = batch[0].to(device, non_blocking=True)
        return model(input_ids=ids, labels=ids).loss

    return model, data, loss, seq


def missing_modules(config):
    """The Python packages this workload's peer needs that cannot be imported."""
    m = config["model"]
    needed = {"mlp": [], "resnet": ["torchvision"],
              "decoder": ["transformers"] + (["peft"] if m.get("lora", {}).get("rank", 0) > 0 else [])}
    missing = []
    for name in needed[m["name"]]:
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
        except Exception as e:  # installed but broken (a version clash): say how
            missing.append(f"{name} (import failed: {type(e).__name__}: {e})")
    return missing


def main():
    info = json.load(sys.stdin)
    config = info["config"]
    if sys.argv[1:] == ["--check"]:
        missing = missing_modules(config)
        if missing:
            print("needs " + ", ".join(missing))
        sys.exit(1 if missing else 0)
    device = device_of(config)
    torch.manual_seed(config["seed"])
    if config["precision"] == "tf32":
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
    elif config["precision"] == "fp32":
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    build = {"mlp": mlp_workload, "resnet": resnet_workload, "decoder": decoder_workload}
    model, data, loss_of, seq = build[config["model"]["name"]](config, device)
    batch_size = config["data"]["batch_size"]
    loader = torch.utils.data.DataLoader(data, batch_size=batch_size, shuffle=True, drop_last=True,
                                         pin_memory=device.type == "cuda")
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = make_optimizer(params, config["optimizer"], device)
    accumulation = config["train"]["accumulation_steps"]
    dtype = autocast_dtype(config["precision"])
    scaler = torch.amp.GradScaler(device.type) if config["precision"] == "fp16" else None
    timing = config["timing"]

    batches = iter(())

    def next_batch():
        nonlocal batches
        try:
            return next(batches)
        except StopIteration:
            batches = iter(loader)
            return next(batches)

    def step():
        for _ in range(accumulation):
            with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
                loss = loss_of(next_batch()) / accumulation
            (scaler.scale(loss) if scaler else loss).backward()
        if scaler:
            scaler.unscale_(optimizer)
        if config["train"]["grad_clip"] > 0:
            torch.nn.utils.clip_grad_norm_(params, config["train"]["grad_clip"])
        if scaler:
            scaler.step(optimizer)
            scaler.update()
        else:
            optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    def enqueue(steps):
        """Queues `steps` steps between two CUDA events; returns a function that waits for them
        and gives their seconds."""
        begin, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        begin.record()
        for _ in range(steps):
            step()
        end.record()

        def read():
            end.synchronize()
            return begin.elapsed_time(end) / 1e3
        return read

    def run(steps):
        """On the CPU the clock is read as the work runs."""
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        seconds = time.perf_counter() - t0
        return lambda: seconds

    launch = enqueue if device.type == "cuda" else run
    for _ in range(timing["warmup_steps"]):
        step()
    sync()
    # Windows of equal size (about WINDOW_S of steps, sized by one probe step), as epochcost
    # times its own steps; each sample is a window's mean step. On CUDA the next window is queued
    # before the host waits for the current one, so the GPU never drains between windows: a
    # synchronisation after every step or window would charge the peer for launch latency and
    # batch preparation that training hides by running ahead.
    window = max(1, min(1000, round(WINDOW_S / launch(1)())))
    samples, steps, start = [], 0, time.perf_counter()
    limit = max(timing["max_steps"], window)
    pending = launch(window)
    while True:
        ahead = launch(window) if device.type == "cuda" and steps + 2 * window <= limit else None
        samples.append(pending() / window)
        steps += window
        elapsed = time.perf_counter() - start
        done = steps + window > limit or elapsed >= timing["max_seconds"]
        if steps >= timing["min_steps"] and elapsed >= timing["min_seconds"] and len(samples) > 1:
            s = summary(samples)
            done = done or (s["ci95_high"] - s["ci95_low"]) / 2 / s["mean"] * 100 <= timing["target_ci_pct"]
        if done:
            if ahead:
                ahead()  # the window queued past the end is drained, not counted
            break
        pending = ahead or launch(window)
    t = summary(samples)
    per_step = batch_size * accumulation
    result = {"reference": config["model"]["name"], "torch_version": torch.__version__,
              "device": str(device),
              "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
              "timing": {"clock": "cuda_event" if device.type == "cuda" else "perf_counter",
                         "warmup_steps": timing["warmup_steps"], "measured_steps": steps,
                         "windows": len(samples),
                         "t_batch_s": t},
              "throughput": {"samples_per_s_per_device": per_step / t["mean"],
                             "tokens_per_s_per_device": per_step * seq / t["mean"] if seq else None}}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
