#!/usr/bin/env python3
"""Writes packages/fixtures/trained/reference.json: what PyTorch computes from the committed weights.

    /usr/bin/python3 tools/train/reference.py

For a fixed token sequence (the start of the held-out code), each model's top-5 logits at every position.
A Node test builds a float export of the same weights and checks ONNX Runtime computes the same numbers, so
the graph the generator writes is the network that was trained.
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from train import DRAFT, TARGET, load_model  # noqa: E402

TRAINED = 'packages/fixtures/trained'


def main():
    corpus = json.load(open('.train/corpus.json'))
    vocab = corpus['vocabSize']
    ids = np.fromfile('.train/heldout-code.bin', dtype='<u2')[:24].astype(np.int64).tolist()
    report = {'ids': ids, 'models': {}}
    for name, shape in (('target', TARGET), ('draft', DRAFT)):
        model = load_model(shape, vocab, os.path.join(TRAINED, f'{name}.safetensors'))
        with torch.no_grad():
            logits = model(torch.tensor([ids]))[0]
        top = logits.topk(5, dim=-1)
        report['models'][name] = {'topIds': top.indices.tolist(), 'topLogits': [[round(v, 5) for v in row] for row in top.values.tolist()]}
    with open(os.path.join(TRAINED, 'reference.json'), 'w') as f:
        json.dump(report, f)
        f.write('\n')


if __name__ == '__main__':
    main()
