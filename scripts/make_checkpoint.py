#!/usr/bin/python3
"""Writes a random-weight Hugging Face checkpoint folder for the Llama family.

    /usr/bin/python3 scripts/make_checkpoint.py --arch {llama,mistral,qwen2,qwen3} --out DIR
        [--shape tiny|smollm2-135m|llama-3.2-1b] [--dtype bf16|f16|f32] [--seed N]
        [--tokenizer-from DIR] [--shards N] [--tie/--no-tie]
        [--rope-scaling llama3|linear|dynamic|none] [--sliding-window N]
        [--vocab-size N] [--max-position-embeddings N]

The folder holds what transformers' save_pretrained writes: config.json (the fields transformers
writes for that architecture), generation_config.json, and model.safetensors, or N shards
model-0000i-of-0000N.safetensors with model.safetensors.index.json. Tensor names and shapes are
transformers'. With --tokenizer-from, tokenizer.json, tokenizer_config.json (and
special_tokens_map.json when present) are copied and the vocabulary is the tokenizer's.

Each chunk of rows of a tensor is drawn from its own generator seeded by (--seed, tensor name, chunk)
in float32 and then converted, so the weights do not depend on --shards, and the f32/f16/bf16
checkpoints of one seed hold the same values up to rounding. Scales are chosen so the tiny models'
logits are well spread (greedy decoding is meaningful) and activations stay far from f16 limits.
Chunks are written in place (one process per core for large files), so the 1B shape takes ~15 s on
2 cores and little memory.

Needs only torch (Debian python3-torch); the safetensors format is written by hand.
"""
import argparse
import json
import math
import os
import shutil
import struct
import sys
import zlib

import torch

SHAPES = {
    # hidden, intermediate, layers, heads, kv heads, head_dim (None: hidden / heads), vocab
    'tiny': dict(hidden_size=64, intermediate_size=128, num_hidden_layers=3, num_attention_heads=4,
                 num_key_value_heads=2, head_dim=16, vocab_size=512),
    'smollm2-135m': dict(hidden_size=576, intermediate_size=1536, num_hidden_layers=30, num_attention_heads=9,
                         num_key_value_heads=3, head_dim=64, vocab_size=128256),
    'llama-3.2-1b': dict(hidden_size=2048, intermediate_size=8192, num_hidden_layers=16, num_attention_heads=32,
                         num_key_value_heads=8, head_dim=64, vocab_size=128256),
}

ARCHITECTURES = {
    'llama': 'LlamaForCausalLM',
    'mistral': 'MistralForCausalLM',
    'qwen2': 'Qwen2ForCausalLM',
    'qwen3': 'Qwen3ForCausalLM',
}

DTYPES = {
    'bf16': (torch.bfloat16, 'BF16', 'bfloat16', 2),
    'f16': (torch.float16, 'F16', 'float16', 2),
    'f32': (torch.float32, 'F32', 'float32', 4),
}

TRANSFORMERS_VERSION = '4.46.0'


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--arch', required=True, choices=sorted(ARCHITECTURES))
    p.add_argument('--out', required=True)
    p.add_argument('--shape', default='tiny', choices=list(SHAPES))
    p.add_argument('--dtype', default='bf16', choices=list(DTYPES))
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--tokenizer-from', help='folder holding tokenizer.json and tokenizer_config.json')
    p.add_argument('--shards', type=int, default=1)
    p.add_argument('--tie', dest='tie', action='store_true', default=None, help='tie lm_head to embed_tokens')
    p.add_argument('--no-tie', dest='tie', action='store_false')
    p.add_argument('--rope-scaling', choices=['llama3', 'linear', 'dynamic', 'none'],
                   help='default: llama3 for llama (none for the smollm2-135m shape), none otherwise')
    p.add_argument('--rope-factor', type=float, help='rope_scaling factor (default 8 for llama3 and 2 otherwise; '
                   'llama-3.2-1b: 32)')
    p.add_argument('--rope-theta', type=float)
    p.add_argument('--sliding-window', type=int,
                   help='mistral: sliding_window; qwen2/qwen3: use_sliding_window on every layer')
    p.add_argument('--vocab-size', type=int)
    p.add_argument('--max-position-embeddings', type=int)
    p.add_argument('--rms-norm-eps', type=float)
    args = p.parse_args(argv)
    if args.shards < 1:
        p.error('--shards must be at least 1')
    return args


# ------------------------------------------------------------------------------------------------
# Tokenizer

def tokenizer_info(folder):
    """The vocabulary size (max id + 1 over model.vocab and added_tokens) and a token -> id lookup."""
    with open(os.path.join(folder, 'tokenizer.json'), encoding='utf-8') as f:
        tok = json.load(f)
    ids = {}
    vocab = tok.get('model', {}).get('vocab', {})
    if isinstance(vocab, dict):
        ids.update(vocab)
    elif isinstance(vocab, list):  # Unigram: [[piece, score], ...]
        ids.update({piece: i for i, (piece, _) in enumerate(vocab)})
    for added in tok.get('added_tokens', []):
        ids[added['content']] = added['id']
    size = max(ids.values()) + 1 if ids else 0
    config_path = os.path.join(folder, 'tokenizer_config.json')
    config = {}
    if os.path.exists(config_path):
        with open(config_path, encoding='utf-8') as f:
            config = json.load(f)

    def token_id(key):
        value = config.get(key)
        if isinstance(value, dict):
            value = value.get('content')
        return ids.get(value) if isinstance(value, str) else None

    return size, ids, token_id('bos_token'), token_id('eos_token')


def copy_tokenizer(src, out):
    for name in ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']:
        path = os.path.join(src, name)
        if os.path.exists(path):
            shutil.copyfile(path, os.path.join(out, name))
        elif name != 'special_tokens_map.json':
            sys.exit(f'make_checkpoint: {path} does not exist')


# ------------------------------------------------------------------------------------------------
# config.json

def make_config(args):
    shape = dict(SHAPES[args.shape])
    arch = args.arch
    if arch == 'qwen3' and args.shape == 'tiny':
        shape['head_dim'] = 32  # differs from hidden_size / num_attention_heads (16)
    vocab = shape['vocab_size']
    bos, eos = 1, 2
    if args.tokenizer_from:
        vocab, ids, tok_bos, tok_eos = tokenizer_info(args.tokenizer_from)
        if arch in ('qwen2', 'qwen3'):
            bos = ids.get('<|endoftext|>', tok_bos)
            eos = tok_eos if tok_eos is not None else ids.get('<|endoftext|>')
        else:
            bos, eos = tok_bos, tok_eos
    elif args.shape != 'tiny':
        bos, eos = 128000, 128001
    if args.vocab_size:
        vocab = args.vocab_size
    tie = args.tie
    if tie is None:
        tie = args.shape != 'tiny' or arch in ('llama', 'qwen3')
    max_pos = args.max_position_embeddings or {'tiny': 2048, 'smollm2-135m': 8192, 'llama-3.2-1b': 131072}[args.shape]
    eps = args.rms_norm_eps or {'llama': 1e-5, 'mistral': 1e-5, 'qwen2': 1e-6, 'qwen3': 1e-6}[arch]
    theta = args.rope_theta or ({'llama': 500000.0, 'mistral': 10000.0, 'qwen2': 1000000.0, 'qwen3': 1000000.0}[arch]
                                if args.shape == 'tiny' else
                                {'smollm2-135m': 100000.0, 'llama-3.2-1b': 500000.0}[args.shape])

    rope_kind = args.rope_scaling or ('llama3' if arch == 'llama' and args.shape != 'smollm2-135m' else 'none')
    rope_scaling = None
    if rope_kind == 'llama3':
        factor = args.rope_factor or (32.0 if args.shape == 'llama-3.2-1b' else 8.0)
        original = 8192 if args.shape != 'tiny' else 256
        original = min(original, max_pos)
        rope_scaling = {'factor': factor, 'high_freq_factor': 4.0, 'low_freq_factor': 1.0,
                        'original_max_position_embeddings': original, 'rope_type': 'llama3'}
    elif rope_kind in ('linear', 'dynamic'):
        rope_scaling = {'factor': args.rope_factor or 2.0, 'rope_type': rope_kind}

    c = {
        'architectures': [ARCHITECTURES[arch]],
        'attention_dropout': 0.0,
        'bos_token_id': bos,
        'eos_token_id': eos,
        'hidden_act': 'silu',
        'hidden_size': shape['hidden_size'],
        'initializer_range': 0.02,
        'intermediate_size': shape['intermediate_size'],
        'max_position_embeddings': max_pos,
        'model_type': arch,
        'num_attention_heads': shape['num_attention_heads'],
        'num_hidden_layers': shape['num_hidden_layers'],
        'num_key_value_heads': shape['num_key_value_heads'],
        'rms_norm_eps': eps,
        'rope_scaling': rope_scaling,
        'rope_theta': theta,
        'tie_word_embeddings': tie,
        'torch_dtype': DTYPES[args.dtype][2],
        'transformers_version': TRANSFORMERS_VERSION,
        'use_cache': True,
        'vocab_size': vocab,
    }
    hd = shape['head_dim']
    if arch == 'llama':
        c.update(attention_bias=False, head_dim=hd, mlp_bias=False, pretraining_tp=1)
    elif arch == 'mistral':
        c.update(head_dim=hd, sliding_window=args.sliding_window if args.sliding_window else 4096)
    elif arch == 'qwen2':
        # Qwen2 always has q/k/v biases; like the Qwen2.5 configs, sliding_window is written but off.
        c.update(use_sliding_window=bool(args.sliding_window),
                 sliding_window=args.sliding_window or max_pos,
                 max_window_layers=0 if args.sliding_window else shape['num_hidden_layers'])
    elif arch == 'qwen3':
        c.update(attention_bias=False, head_dim=hd, use_sliding_window=bool(args.sliding_window),
                 sliding_window=args.sliding_window or None,
                 max_window_layers=0 if args.sliding_window else shape['num_hidden_layers'])
    # Qwen2Config has no head_dim field: it is hidden_size / num_attention_heads.
    return dict(sorted(c.items())), hd


def generation_config(config):
    return {'_from_model_config': True, 'bos_token_id': config['bos_token_id'],
            'eos_token_id': config['eos_token_id'], 'transformers_version': TRANSFORMERS_VERSION}


# ------------------------------------------------------------------------------------------------
# Tensors

def tensor_specs(config, hd, arch):
    """(name, shape, kind, scale) in transformers' naming, where kind is 'normal' (scale * N(0,1)),
    'norm' (1 + scale * N(0,1)) or 'bias' (scale * N(0,1))."""
    H, I, V = config['hidden_size'], config['intermediate_size'], config['vocab_size']
    nh, nkv = config['num_attention_heads'], config['num_key_value_heads']
    specs = [('model.embed_tokens.weight', [V, H], 'normal', 0.5)]
    for i in range(config['num_hidden_layers']):
        p = f'model.layers.{i}.'
        specs.append((p + 'input_layernorm.weight', [H], 'norm', 0.1))
        # q and k a little larger than 1/sqrt(fan_in) so the attention is neither uniform nor one-hot.
        specs.append((p + 'self_attn.q_proj.weight', [nh * hd, H], 'normal', 1.3 / math.sqrt(H)))
        specs.append((p + 'self_attn.k_proj.weight', [nkv * hd, H], 'normal', 1.3 / math.sqrt(H)))
        specs.append((p + 'self_attn.v_proj.weight', [nkv * hd, H], 'normal', 1.0 / math.sqrt(H)))
        if arch == 'qwen2':
            specs.append((p + 'self_attn.q_proj.bias', [nh * hd], 'bias', 0.1))
            specs.append((p + 'self_attn.k_proj.bias', [nkv * hd], 'bias', 0.1))
            specs.append((p + 'self_attn.v_proj.bias', [nkv * hd], 'bias', 0.1))
        specs.append((p + 'self_attn.o_proj.weight', [H, nh * hd], 'normal', 1.0 / math.sqrt(nh * hd)))
        if arch == 'qwen3':
            specs.append((p + 'self_attn.q_norm.weight', [hd], 'norm', 0.1))
            specs.append((p + 'self_attn.k_norm.weight', [hd], 'norm', 0.1))
        specs.append((p + 'post_attention_layernorm.weight', [H], 'norm', 0.1))
        specs.append((p + 'mlp.gate_proj.weight', [I, H], 'normal', 1.5 / math.sqrt(H)))
        specs.append((p + 'mlp.up_proj.weight', [I, H], 'normal', 1.5 / math.sqrt(H)))
        specs.append((p + 'mlp.down_proj.weight', [H, I], 'normal', 1.0 / math.sqrt(I)))
    specs.append(('model.norm.weight', [H], 'norm', 0.1))
    if not config['tie_word_embeddings']:
        # Logit standard deviation about 4: a few units between the best tokens.
        specs.append(('lm_head.weight', [V, H], 'normal', 4.0 / math.sqrt(H)))
    return specs


def chunk_seed(seed, name, chunk):
    return (seed * 1000003 + zlib.crc32(f'{name}#{chunk}'.encode())) & 0x7FFFFFFFFFFFFFFF


CHUNK_ELEMENTS = 1 << 22
PARALLEL_BYTES = 64 << 20  # files larger than this are filled by one process per core


def chunk_tasks(specs, seed, data_start, elem):
    """One task per chunk of rows: (name, chunk shape, kind, scale, seed, file offset). Each chunk draws from its
    own generator, so the values depend neither on the file layout nor on the order the chunks are written in."""
    tasks, offset = [], data_start
    for name, shape, kind, scale in specs:
        rows = shape[0]
        row = math.prod(shape[1:])
        per_chunk = max(1, CHUNK_ELEMENTS // row)
        for chunk, start in enumerate(range(0, rows, per_chunk)):
            n = min(per_chunk, rows - start)
            tasks.append((name, [n] + list(shape[1:]), kind, scale, chunk_seed(seed, name, chunk), offset))
            offset += n * row * elem
    return tasks


_worker_state = {}


def _open_worker(path, dtype_key):
    torch.set_num_threads(1)
    _worker_state['fd'] = os.open(path, os.O_WRONLY)
    _worker_state['dtype'] = DTYPES[dtype_key][0]


def _fill(task):
    name, shape, kind, scale, seed, offset = task
    x = torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float32)
    x.mul_(scale)
    if kind == 'norm':
        x.add_(1.0)
    x = x.to(_worker_state['dtype'])
    if x.dtype == torch.bfloat16:
        x = x.view(torch.int16)
    data = memoryview(x.numpy()).cast('B')
    written = 0
    while written < len(data):
        written += os.pwrite(_worker_state['fd'], data[written:], offset + written)


def write_safetensors(path, specs, args, st_dtype, elem):
    header = {}
    offset = 0
    for name, shape, _, _ in specs:
        size = math.prod(shape) * elem
        header[name] = {'dtype': st_dtype, 'shape': shape, 'data_offsets': [offset, offset + size]}
        offset += size
    header['__metadata__'] = {'format': 'pt'}
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)
    data_start = 8 + len(text)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        f.truncate(data_start + offset)
    tasks = chunk_tasks(specs, args.seed, data_start, elem)
    processes = os.cpu_count() or 1
    if offset > PARALLEL_BYTES and processes > 1:
        import multiprocessing
        with multiprocessing.get_context('fork').Pool(processes, _open_worker, (path, args.dtype)) as pool:
            for _ in pool.imap_unordered(_fill, tasks):
                pass
    else:
        threads = torch.get_num_threads()
        _open_worker(path, args.dtype)
        try:
            for task in tasks:
                _fill(task)
        finally:
            os.close(_worker_state.pop('fd'))
            torch.set_num_threads(threads)
    return offset


def split_shards(specs, elem, n):
    """n consecutive groups of roughly equal bytes, none empty (fewer when there are fewer tensors)."""
    n = min(n, len(specs))
    sizes = [math.prod(s[1]) * elem for s in specs]
    total = sum(sizes)
    groups, current, done = [], [], 0
    for k, (spec, size) in enumerate(zip(specs, sizes)):
        left_after_cut = len(specs) - k  # tensors for the groups after a cut here, this one included
        groups_after_cut = n - len(groups) - 1
        if current and groups_after_cut > 0 and (done >= total * (len(groups) + 1) / n or
                                                 left_after_cut <= groups_after_cut):
            groups.append(current)
            current = []
        current.append(spec)
        done += size
    groups.append(current)
    return groups


def main(argv=None):
    args = parse_args(argv)
    config, hd = make_config(args)
    os.makedirs(args.out, exist_ok=True)
    for stale in os.listdir(args.out):
        if stale.endswith('.safetensors') or stale == 'model.safetensors.index.json':
            os.remove(os.path.join(args.out, stale))
    with open(os.path.join(args.out, 'config.json'), 'w') as f:
        json.dump(config, f, indent=2)
        f.write('\n')
    with open(os.path.join(args.out, 'generation_config.json'), 'w') as f:
        json.dump(generation_config(config), f, indent=2)
        f.write('\n')
    if args.tokenizer_from:
        copy_tokenizer(args.tokenizer_from, args.out)

    _, st_dtype, _, elem = DTYPES[args.dtype]
    specs = sorted(tensor_specs(config, hd, args.arch), key=lambda s: s[0])  # safetensors' order: by name
    if args.shards == 1:
        write_safetensors(os.path.join(args.out, 'model.safetensors'), specs, args, st_dtype, elem)
        return
    groups = split_shards(specs, elem, args.shards)
    n = len(groups)
    weight_map, total = {}, 0
    for i, group in enumerate(groups):
        name = f'model-{i + 1:05d}-of-{n:05d}.safetensors'
        total += write_safetensors(os.path.join(args.out, name), group, args, st_dtype, elem)
        weight_map.update({spec[0]: name for spec in group})
    with open(os.path.join(args.out, 'model.safetensors.index.json'), 'w') as f:
        json.dump({'metadata': {'total_size': total}, 'weight_map': dict(sorted(weight_map.items()))}, f, indent=2)
        f.write('\n')


if __name__ == '__main__':
    main()
