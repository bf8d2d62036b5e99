#!/usr/bin/env python3
"""Trains the trained pair: a small Llama-style target on .train/train.bin, then a draft distilled from it.

    /usr/bin/python3 tools/train/train.py            # after: node --import tsx tools/train/prepare.ts

Development time only (Debian's python3-torch 1.13 on the CPU, with libopenblas0-pthread); users and CI
never run it. Seeded: the same command on the same machine and thread count writes the same weights.
Writes packages/fixtures/trained/{target,draft}.safetensors (fp16, Hugging Face tensor names and layout)
and training.json (shapes, steps, tokens, time, held-out loss, draft agreement). The ONNX files are
written by packages/fixtures from these weights.
"""
import argparse
import json
import math
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

TARGET = dict(layers=4, hidden=256, heads=4, kv_heads=2, head_dim=64, intermediate=768)
DRAFT = dict(layers=2, hidden=128, heads=4, kv_heads=2, head_dim=32, intermediate=384)
ROPE_THETA = 10000.0
RMS_EPS = 1e-6


class RMSNorm(nn.Module):
    def __init__(self, size):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + RMS_EPS) * self.weight


def rotary(positions, head_dim):
    inv = ROPE_THETA ** (-torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim)
    angles = positions[:, None].float() * inv[None, :]
    cos, sin = angles.cos(), angles.sin()
    return torch.cat([cos, cos], -1), torch.cat([sin, sin], -1)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], -1)


class Block(nn.Module):
    def __init__(self, s):
        super().__init__()
        h, nh, nkv, hd, i = s['hidden'], s['heads'], s['kv_heads'], s['head_dim'], s['intermediate']
        self.nh, self.nkv, self.hd = nh, nkv, hd
        self.input_layernorm = RMSNorm(h)
        self.q_proj = nn.Linear(h, nh * hd, bias=False)
        self.k_proj = nn.Linear(h, nkv * hd, bias=False)
        self.v_proj = nn.Linear(h, nkv * hd, bias=False)
        self.o_proj = nn.Linear(nh * hd, h, bias=False)
        self.post_attention_layernorm = RMSNorm(h)
        self.gate_proj = nn.Linear(h, i, bias=False)
        self.up_proj = nn.Linear(h, i, bias=False)
        self.down_proj = nn.Linear(i, h, bias=False)

    def forward(self, x, cos, sin, mask):
        b, t, _ = x.shape
        h = self.input_layernorm(x)
        q = self.q_proj(h).view(b, t, self.nh, self.hd).transpose(1, 2)
        k = self.k_proj(h).view(b, t, self.nkv, self.hd).transpose(1, 2)
        v = self.v_proj(h).view(b, t, self.nkv, self.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        groups = self.nh // self.nkv
        k = k.repeat_interleave(groups, dim=1)
        v = v.repeat_interleave(groups, dim=1)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(self.hd) + mask
        attn = scores.softmax(-1) @ v
        x = x + self.o_proj(attn.transpose(1, 2).reshape(b, t, self.nh * self.hd))
        m = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(m)) * self.up_proj(m))


class Llama(nn.Module):
    """Tied input and output embeddings; the export writes the output one as lm_head."""

    def __init__(self, s, vocab):
        super().__init__()
        self.s = s
        self.embed_tokens = nn.Embedding(vocab, s['hidden'])
        self.layers = nn.ModuleList([Block(s) for _ in range(s['layers'])])
        self.norm = RMSNorm(s['hidden'])
        for name, p in self.named_parameters():
            if p.dim() == 2:
                std = 0.02 / math.sqrt(2 * s['layers']) if name.endswith(('o_proj.weight', 'down_proj.weight')) else 0.02
                nn.init.normal_(p, std=std)

    def forward(self, ids):
        t = ids.shape[1]
        cos, sin = rotary(torch.arange(t), self.s['head_dim'])
        mask = torch.full((t, t), float('-inf')).triu(1)
        x = self.embed_tokens(ids)
        for layer in self.layers:
            x = layer(x, cos, sin, mask)
        return self.norm(x) @ self.embed_tokens.weight.T

    def tensors(self):
        """Hugging Face Llama names, PyTorch [out, in] layout."""
        out = {'model.embed_tokens.weight': self.embed_tokens.weight, 'model.norm.weight': self.norm.weight}
        for i, l in enumerate(self.layers):
            pre = f'model.layers.{i}'
            out[f'{pre}.input_layernorm.weight'] = l.input_layernorm.weight
            out[f'{pre}.post_attention_layernorm.weight'] = l.post_attention_layernorm.weight
            for n in ('q_proj', 'k_proj', 'v_proj', 'o_proj'):
                out[f'{pre}.self_attn.{n}.weight'] = getattr(l, n).weight
            for n in ('gate_proj', 'up_proj', 'down_proj'):
                out[f'{pre}.mlp.{n}.weight'] = getattr(l, n).weight
        return out


def save_safetensors(path, tensors, metadata):
    header, blobs, offset = {'__metadata__': metadata}, [], 0
    for name in sorted(tensors):
        data = tensors[name].detach().to(torch.float16).numpy().astype('<f2').tobytes()
        header[name] = {'dtype': 'F16', 'shape': list(tensors[name].shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(',', ':')).encode()
    head += b' ' * ((8 - len(head) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)


def load_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        base = 8 + n
        out = {}
        for name, t in header.items():
            if name == '__metadata__':
                continue
            f.seek(base + t['data_offsets'][0])
            raw = f.read(t['data_offsets'][1] - t['data_offsets'][0])
            out[name] = torch.from_numpy(np.frombuffer(raw, dtype='<f2').astype(np.float32).reshape(t['shape']))
    return out


def load_model(shape, vocab, path):
    model = Llama(shape, vocab)
    tensors = load_safetensors(path)
    with torch.no_grad():
        for name, p in model.tensors().items():
            p.copy_(tensors[name])
    return model.eval()


def batches(tokens, batch, seq, gen):
    while True:
        starts = torch.randint(0, len(tokens) - seq - 1, (batch,), generator=gen)
        rows = torch.stack([tokens[s:s + seq + 1] for s in starts.tolist()])
        yield rows[:, :-1], rows[:, 1:]


def lr_at(step, steps, peak, warmup):
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def optimizer(model, lr):
    decay = [p for p in model.parameters() if p.dim() == 2]
    rest = [p for p in model.parameters() if p.dim() < 2]
    return torch.optim.AdamW([{'params': decay, 'weight_decay': 0.1}, {'params': rest, 'weight_decay': 0.0}], lr=lr, betas=(0.9, 0.95))


@torch.no_grad()
def heldout_loss(model, tokens, seq):
    model.eval()
    total, count = 0.0, 0
    for s in range(0, len(tokens) - seq - 1, seq):
        row = tokens[s:s + seq + 1][None]
        logits = model(row[:, :-1])
        total += F.cross_entropy(logits[0], row[0, 1:], reduction='sum').item()
        count += seq
    model.train()
    return total / count


@torch.no_grad()
def greedy(model, ids, n):
    ids = list(ids)
    for _ in range(n):
        ids.append(int(model(torch.tensor([ids]))[0, -1].argmax()))
    return ids


@torch.no_grad()
def draft_agreement(target, draft, tokens, prompts, prompt_len, new):
    """Share of the target's greedy continuation tokens the draft also picks, given the same prefix."""
    target.eval(), draft.eval()
    hits, total = 0, 0
    step = (len(tokens) - prompt_len - 1) // prompts
    for p in range(prompts):
        prompt = tokens[p * step:p * step + prompt_len].tolist()
        seq = greedy(target, prompt, new)
        picks = draft(torch.tensor([seq[:-1]]))[0, prompt_len - 1:].argmax(-1)
        hits += int((picks == torch.tensor(seq[prompt_len:])).sum())
        total += new
    return hits / total


def train(model, data, steps, batch, seq, lr, loss_fn, label, log_every=50):
    gen = torch.Generator().manual_seed(1234)
    opt = optimizer(model, lr)
    it = batches(data, batch, seq, gen)
    t0, recent = time.time(), []
    for step in range(steps):
        for g in opt.param_groups:
            g['lr'] = lr_at(step, steps, lr, warmup=min(200, steps // 10 + 1))
        x, y = next(it)
        loss = loss_fn(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        recent.append(loss.item())
        if (step + 1) % log_every == 0 or step == steps - 1:
            el = time.time() - t0
            print(f'{label} step {step + 1}/{steps} loss {sum(recent) / len(recent):.3f} {el:.0f}s ({el / (step + 1):.2f} s/step)', flush=True)
            recent = []
    return time.time() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', default='.train')
    ap.add_argument('--out', default='packages/fixtures/trained')
    ap.add_argument('--target-steps', type=int, default=650)
    ap.add_argument('--draft-steps', type=int, default=250)
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--seq', type=int, default=512)
    ap.add_argument('--threads', type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)

    corpus = json.load(open(os.path.join(args.data, 'corpus.json')))
    vocab = corpus['vocabSize']
    load = lambda name: torch.from_numpy(np.fromfile(os.path.join(args.data, name), dtype='<u2').astype(np.int64))
    train_ids, code_ids, prose_ids = load('train.bin'), load('heldout-code.bin'), load('heldout-prose.bin')

    target = Llama(TARGET, vocab)
    ce = lambda x, y: F.cross_entropy(target(x).reshape(-1, vocab), y.reshape(-1))
    target_s = train(target, train_ids, args.target_steps, args.batch, args.seq, 3e-3, ce, 'target')
    target.eval()
    for p in target.parameters():
        p.requires_grad_(False)

    draft = Llama(DRAFT, vocab)

    def kl(x, _y):
        with torch.no_grad():
            teacher = target(x).log_softmax(-1)
        student = draft(x).log_softmax(-1)
        return F.kl_div(student.reshape(-1, vocab), teacher.reshape(-1, vocab), log_target=True, reduction='batchmean')

    draft_s = train(draft, train_ids, args.draft_steps, args.batch, args.seq, 3e-3, kl, 'draft')

    report = {'vocabSize': vocab, 'seq': args.seq, 'batch': args.batch, 'threads': args.threads, 'torch': torch.__version__}
    for name, model, steps, secs, objective in (('target', target, args.target_steps, target_s, 'next-token cross-entropy on the corpus'),
                                                ('draft', draft, args.draft_steps, draft_s, "KL divergence to the target's next-token distribution")):
        params = sum(p.numel() for p in model.parameters())
        entry = {'shape': model.s, 'parameters': params, 'steps': steps, 'trainingTokens': steps * args.batch * args.seq,
                 'trainingSeconds': round(secs), 'objective': objective}
        for split, ids in (('code', code_ids), ('prose', prose_ids)):
            loss = heldout_loss(model, ids, args.seq)
            entry[f'heldOut{split.title()}Loss'] = round(loss, 4)
            entry[f'heldOut{split.title()}Perplexity'] = round(math.exp(loss), 2)
        report[name] = entry
        meta = {'shape': json.dumps(model.s), 'vocabSize': str(vocab), 'ropeTheta': str(ROPE_THETA), 'rmsNormEps': str(RMS_EPS), 'tiedEmbeddings': 'true'}
        save_safetensors(os.path.join(args.out, f'{name}.safetensors'), model.tensors(), meta)
    for split, ids in (('code', code_ids), ('prose', prose_ids)):
        report[f'draftAgreement{split.title()}'] = round(draft_agreement(target, draft, ids, 20, 64, 32), 4)
    with open(os.path.join(args.out, 'training.json'), 'w') as f:
        json.dump(report, f, indent=2)
        f.write('\n')
    print(json.dumps(report, indent=2))


if __name__ == '__main__':
    main()
