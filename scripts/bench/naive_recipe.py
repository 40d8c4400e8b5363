"""The source article's way of getting T_batch, kept as it was published, as the peer to beat.

time.time() around the first six batches of a fresh PyTorch loop (no warmup, no synchronisation),
times ceil(D/B). It is compared with a real epoch of the same loop, timed between two
synchronisations after that first pass. Prints one JSON object.
"""
import argparse
import json
import math
import time

import torch
from torch.utils.data import DataLoader, TensorDataset


class SimpleModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(100, 1)

    def forward(self, x):
        return self.fc(x)


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def train_step(model, optimizer, inputs, targets, device):
    inputs, targets = inputs.to(device), targets.to(device)
    outputs = model(inputs)
    loss = torch.nn.MSELoss()(outputs, targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    device = torch.device(args.device)

    dataset = TensorDataset(torch.randn(10000, 100), torch.randn(10000, 1))
    dataloader = DataLoader(dataset, batch_size=32, shuffle=True)
    model = SimpleModel().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)

    # The article's measure_batch_time: the first six batches, time.time(), nothing else.
    total_time = 0.0
    for i, (inputs, targets) in enumerate(dataloader):
        start_time = time.time()
        train_step(model, optimizer, inputs, targets, device)
        total_time += time.time() - start_time
        if i == 5:
            break
    naive_t_batch = total_time / (i + 1)
    batches = math.ceil(len(dataset) / dataloader.batch_size)

    # A real epoch of the same loop, data loading included, synchronised at both ends.
    synchronize(device)
    start = time.perf_counter()
    for inputs, targets in dataloader:
        train_step(model, optimizer, inputs, targets, device)
    synchronize(device)
    actual = time.perf_counter() - start

    print(json.dumps({
        "device": str(device),
        "torch_version": torch.__version__,
        "batches": batches,
        "naive_t_batch_s": naive_t_batch,
        "naive_predicted_epoch_s": batches * naive_t_batch,
        "actual_epoch_s": actual,
        "predicted_over_actual": batches * naive_t_batch / actual,
    }))


if __name__ == "__main__":
    main()
