#!/usr/bin/python3
"""An independent PyTorch forward pass of Llama-family checkpoints: the reference of the engine tests.

    /usr/bin/python3 tests/conformance/torch_reference.py --model DIR --prompt-ids 1,2,3 [--prompt-ids ...]
        --max-tokens N --top-logprobs K [--quantization q8_0|q4_0] [--prompt-logprobs]

Prints one JSON line per prompt:
    {"prompt_token_ids": [...], "token_ids": [greedy continuation],
     "logprobs": [{"token_id": t, "logprob": lp, "top_logprobs": [{"token_id": .., "logprob": ..}, ... K]}],
     "top2_gaps": [logit of the best token minus that of the second, at each step],
     "prompt_logprobs": [{"token_id": prompt[i], "logprob": lp of it given prompt[:i]} for i >= 1]  (--prompt-logprobs)}

Greedy decoding of exactly N tokens (end-of-sequence tokens do not stop it), recomputing the whole sequence
from scratch at every step: no KV cache, no prefill/decode split, no batching, so nothing of the engine's
scheduling or cache logic is shared with this. The model is transformers' LlamaForCausalLM,
MistralForCausalLM, Qwen2ForCausalLM and Qwen3ForCausalLM written out in plain torch, float32 throughout,
with the numeric recipe the engine follows:
  - embeddings converted to f32, residual stream f32, RMSNorm x * rsqrt(mean(x^2) + eps) * weight in f32;
  - a Linear whose weight is stored as bf16 rounds its input to bf16 first, then multiplies in f32 by the
    f32-converted weight (f16 and f32 weights: input stays f32); Qwen2's biases are added in f32 afterwards;
  - --quantization q8_0: every Linear (lm_head included, tied or not; not the embedding or the norms)
    quantizes weight rows and input rows in blocks of 32 along the input dimension, scale = max|x|/127,
    q = round-half-away-from-zero(x / scale) (an all-zero block: scale 0, q 0), product = sum over blocks
    of (sx * sw) * integer dot;
  - --quantization q4_0: weight rows in blocks of 32 as llama.cpp's quantize_row_q4_0_ref (max = the value of
    largest magnitude, sign kept, the first of equals; d = max / -8; q = min(15, trunc(x * (1 / d) + 8.5)), all f32;
    d = 0: q = 8), dequantized as (q - 8) * d; inputs quantized exactly as for q8_0; product = sum over blocks of
    (sx * d) * integer dot of the inputs' q with q - 8;
  - Qwen3: q_norm / k_norm (RMSNorm over each head's vector) before RoPE;
  - RoPE as transformers (rotate_half: pairs (i, i + head_dim/2)), inv_freq and cos/sin in float32,
    rope_scaling linear / dynamic (NTK, from the current sequence length) / llama3 as transformers'
    rope initialisation functions compute them;
  - attention: GQA, scores q.k * head_dim^-0.5 in f32, causal mask, sliding window W (Mistral; Qwen2/3 with
    use_sliding_window on layers >= max_window_layers): query i sees keys j with i - W < j <= i; softmax f32;
  - MLP down(silu(gate(x)) * up(x)); final norm; lm_head (tied: embed_tokens' weight);
  - logprobs = log_softmax in float64 of the f32 logits.
Deterministic: one thread, no randomness. Needs torch and numpy only (Debian python3-torch, python3-numpy).
"""
import argparse
import json
import math
import os
import struct
import sys

import numpy as np
import torch

torch.set_num_threads(1)

NP_DTYPES = {'F32': np.float32, 'F16': np.float16, 'BF16': np.int16, 'F64': np.float64}


# ------------------------------------------------------------------------------------------------
# Loading

def read_safetensors(path):
    """{name: (stored dtype string, f32 tensor)}"""
    with open(path, 'rb') as f:
        (n,) = struct.unpack('<Q', f.read(8))
        header = json.loads(f.read(n))
    base = 8 + n
    data = np.memmap(path, dtype=np.uint8, mode='r')
    tensors = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        dtype = info['dtype']
        if dtype not in NP_DTYPES:
            sys.exit(f'torch_reference: {path}: {name} has dtype {dtype}, not supported here')
        begin, end = info['data_offsets']
        raw = np.frombuffer(data[base + begin:base + end].tobytes(), dtype=NP_DTYPES[dtype])
        t = torch.from_numpy(raw.copy())
        t = t.view(torch.bfloat16).float() if dtype == 'BF16' else t.float()
        tensors[name] = (dtype, t.reshape(info['shape']))
    return tensors


def load_weights(folder):
    index = os.path.join(folder, 'model.safetensors.index.json')
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)['weight_map'].values()))
    else:
        files = ['model.safetensors']
    weights = {}
    for name in files:
        weights.update(read_safetensors(os.path.join(folder, name)))
    return weights


# ------------------------------------------------------------------------------------------------
# q8_0

def round_half_away(v):
    t = torch.trunc(v)
    return t + torch.sign(v) * ((v - t).abs() >= 0.5).float()  # v - trunc(v) is exact


def quantize_q8_0(x):
    """Rows of x [R, I] in blocks of 32: (scales [R, B] f32, values [R, B, 32] as float)."""
    rows, cols = x.shape
    if cols % 32 != 0:
        sys.exit(f'torch_reference: q8_0 needs input dimensions divisible by 32, got {cols}')
    blocks = x.reshape(rows, cols // 32, 32)
    scale = blocks.abs().amax(-1) / 127.0
    safe = torch.where(scale > 0, scale, torch.ones_like(scale))
    # x * (1 / scale) in float32, as llama.cpp's q8_0 (and our engine) computes it; x / scale
    # rounds differently on exact .5 ties, which bf16 inputs hit often.
    q = torch.where(scale[..., None] > 0, round_half_away(blocks * (1.0 / safe)[..., None]), torch.zeros_like(blocks))
    return scale, q


def quantize_q4_0(w):
    """Rows of w [R, I] in blocks of 32: (scales d [R, B] f32, q - 8 [R, B, 32] as float)."""
    rows, cols = w.shape
    if cols % 32 != 0:
        sys.exit(f'torch_reference: q4_0 needs input dimensions divisible by 32, got {cols}')
    blocks = w.reshape(rows, cols // 32, 32)
    # argmax gives the first of equal magnitudes, as llama.cpp's strict comparison keeps the first.
    largest = blocks.gather(-1, blocks.abs().argmax(-1, keepdim=True))[..., 0]
    d = largest / -8.0
    safe = torch.where(d != 0, d, torch.ones_like(d))
    inverse = torch.where(d != 0, 1.0 / safe, torch.zeros_like(d))
    q = torch.clamp(torch.trunc(blocks * inverse[..., None] + 8.5), max=15.0)  # f32 multiply, then add
    return d, q - 8.0


def q8_0_matmul(x, wq, accumulate='f32'):
    sw, qw = wq
    sx, qx = quantize_q8_0(x)
    # Integer dot products: every partial sum is an integer of magnitude <= 32 * 127 * 127 < 2^24, so the
    # f32 products and sums are exact whatever the order.
    dots = torch.stack([qx[:, b, :] @ qw[:, b, :].t() for b in range(qx.shape[1])], dim=1)  # [T, B, O]
    scales = sx[:, :, None] * sw.t()[None, :, :]  # (sx * sw), f32
    if accumulate == 'f64':
        return (scales * dots).double().sum(1).float()
    return (scales * dots).sum(1)


# ------------------------------------------------------------------------------------------------
# Model

class Model:
    def __init__(self, folder, quantization=None, accumulate='f32'):
        with open(os.path.join(folder, 'config.json')) as f:
            c = json.load(f)
        self.c = c
        arch = c['architectures'][0]
        kinds = {'LlamaForCausalLM': 'llama', 'MistralForCausalLM': 'mistral',
                 'Qwen2ForCausalLM': 'qwen2', 'Qwen3ForCausalLM': 'qwen3'}
        if arch not in kinds:
            sys.exit(f'torch_reference: architecture {arch} is not supported')
        self.arch = kinds[arch]
        self.H = c['hidden_size']
        self.nh = c['num_attention_heads']
        self.nkv = c.get('num_key_value_heads') or self.nh
        self.hd = c.get('head_dim') or self.H // self.nh
        self.layers = c['num_hidden_layers']
        self.eps = c.get('rms_norm_eps', 1e-6)
        self.theta = c.get('rope_theta', 10000.0)
        self.max_pos = c.get('max_position_embeddings', 2048)
        self.rope_scaling = c.get('rope_scaling') or None
        self.quantization = quantization
        self.accumulate = accumulate
        self.w = load_weights(folder)
        if c.get('tie_word_embeddings', False) or 'lm_head.weight' not in self.w:
            if not c.get('tie_word_embeddings', False):
                sys.exit('torch_reference: lm_head.weight is missing and tie_word_embeddings is false')
            self.w['lm_head.weight'] = self.w['model.embed_tokens.weight']
        self.q8 = {}
        self.windows = []
        for i in range(self.layers):
            window = None
            if self.arch == 'mistral':
                window = c.get('sliding_window')
            elif self.arch in ('qwen2', 'qwen3'):
                if c.get('use_sliding_window', False) and c.get('sliding_window') is not None and \
                        i >= c.get('max_window_layers', self.layers):
                    window = c['sliding_window']
            self.windows.append(window)
        self.inv_freq_default = self._default_inv_freq(self.theta)

    # -- pieces ------------------------------------------------------------------------------------

    def weight(self, name):
        if name not in self.w:
            sys.exit(f'torch_reference: tensor {name} is missing')
        return self.w[name]

    def linear(self, x, name, bias=None):
        dtype, w = self.weight(name)
        if self.quantization in ('q8_0', 'q4_0'):
            if name not in self.q8:
                # q4_0's (d, q - 8) multiplies like q8_0's (scale, q): |q - 8| <= 8 keeps the dots exact.
                self.q8[name] = quantize_q8_0(w) if self.quantization == 'q8_0' else quantize_q4_0(w)
            y = q8_0_matmul(x, self.q8[name], self.accumulate)
        else:
            if dtype == 'BF16':
                x = x.to(torch.bfloat16).float()
            y = x @ w.t() if self.accumulate == 'f32' else (x.double() @ w.double().t()).float()
        if bias is not None:
            y = y + self.weight(bias)[1]
        return y

    def rms_norm(self, x, name):
        w = self.weight(name)[1]
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * w

    def _default_inv_freq(self, base):
        return 1.0 / (base ** (torch.arange(0, self.hd, 2, dtype=torch.int64).float() / self.hd))

    def inv_freq(self, seq_len):
        rs = self.rope_scaling
        kind = (rs.get('rope_type') or rs.get('type') or 'default') if rs else 'default'
        if kind == 'default':
            return self.inv_freq_default
        factor = rs['factor']
        if kind == 'linear':  # transformers' _compute_linear_scaling_rope_parameters
            return self.inv_freq_default / factor
        if kind == 'dynamic':  # _compute_dynamic_ntk_parameters with seq_len = the current length
            if seq_len <= self.max_pos:
                return self.inv_freq_default
            base = self.theta * ((factor * seq_len / self.max_pos) - (factor - 1)) ** (self.hd / (self.hd - 2))
            return self._default_inv_freq(base)
        if kind == 'llama3':  # _compute_llama3_parameters
            inv_freq = self.inv_freq_default
            low_freq_factor = rs.get('low_freq_factor', 1.0)
            high_freq_factor = rs.get('high_freq_factor', 4.0)
            old_context_len = rs.get('original_max_position_embeddings', 8192)
            low_freq_wavelen = old_context_len / low_freq_factor
            high_freq_wavelen = old_context_len / high_freq_factor
            wavelen = 2 * math.pi / inv_freq
            inv_freq_llama = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
            smooth_factor = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
            smoothed_inv_freq = (1 - smooth_factor) * inv_freq_llama / factor + smooth_factor * inv_freq_llama
            is_medium_freq = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
            return torch.where(is_medium_freq, smoothed_inv_freq, inv_freq_llama)
        sys.exit(f'torch_reference: rope_type {kind} is not supported')

    def rope(self, x, cos, sin):
        half = x.shape[-1] // 2
        rotated = torch.cat((-x[..., half:], x[..., :half]), dim=-1)
        return x * cos + rotated * sin

    # -- forward -----------------------------------------------------------------------------------

    def logits(self, ids, every_row=False):
        """f32 logits of the next token after the whole sequence `ids` (computed from scratch); with
        every_row, those after each prefix ids[:i + 1], one row per position."""
        T = len(ids)
        emb = self.weight('model.embed_tokens.weight')[1]
        h = emb[torch.tensor(ids, dtype=torch.long)].clone()
        positions = torch.arange(T, dtype=torch.int64).float()
        freqs = positions[:, None] * self.inv_freq(T)[None, :]  # as transformers: f32 outer product
        emb_freqs = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb_freqs.cos()[:, None, :], emb_freqs.sin()[:, None, :]  # [T, 1, hd]
        i_idx = torch.arange(T)[:, None]
        j_idx = torch.arange(T)[None, :]
        causal = j_idx <= i_idx
        groups = self.nh // self.nkv
        for layer in range(self.layers):
            p = f'model.layers.{layer}.'
            x = self.rms_norm(h, p + 'input_layernorm.weight')
            bias = self.arch == 'qwen2' or self.c.get('attention_bias', False)
            q = self.linear(x, p + 'self_attn.q_proj.weight', p + 'self_attn.q_proj.bias' if bias else None)
            k = self.linear(x, p + 'self_attn.k_proj.weight', p + 'self_attn.k_proj.bias' if bias else None)
            v = self.linear(x, p + 'self_attn.v_proj.weight', p + 'self_attn.v_proj.bias' if bias else None)
            q = q.reshape(T, self.nh, self.hd)
            k = k.reshape(T, self.nkv, self.hd)
            v = v.reshape(T, self.nkv, self.hd)
            if self.arch == 'qwen3':
                q = self.rms_norm(q, p + 'self_attn.q_norm.weight')
                k = self.rms_norm(k, p + 'self_attn.k_norm.weight')
            q = self.rope(q, cos, sin)
            k = self.rope(k, cos, sin)
            allowed = causal
            if self.windows[layer] is not None:
                allowed = allowed & (j_idx > i_idx - self.windows[layer])
            k = k.repeat_interleave(groups, dim=1)  # head h uses kv head h // groups
            v = v.repeat_interleave(groups, dim=1)
            scores = torch.einsum('ihd,jhd->hij', q, k) * (self.hd ** -0.5)
            scores = scores.masked_fill(~allowed[None], float('-inf'))
            probs = torch.softmax(scores, dim=-1)
            attn = torch.einsum('hij,jhd->ihd', probs, v).reshape(T, self.nh * self.hd)
            h = h + self.linear(attn, p + 'self_attn.o_proj.weight')
            x = self.rms_norm(h, p + 'post_attention_layernorm.weight')
            gate = self.linear(x, p + 'mlp.gate_proj.weight')
            up = self.linear(x, p + 'mlp.up_proj.weight')
            h = h + self.linear(torch.nn.functional.silu(gate) * up, p + 'mlp.down_proj.weight')
        if every_row:
            return self.linear(self.rms_norm(h, 'model.norm.weight'), 'lm_head.weight')
        h = self.rms_norm(h[-1:], 'model.norm.weight')  # rows are independent: only the last is needed
        return self.linear(h, 'lm_head.weight')[0]

    def generate(self, prompt, max_tokens, top_k, prompt_logprobs=False):
        ids = list(prompt)
        out = {'prompt_token_ids': list(prompt), 'token_ids': [], 'logprobs': [], 'top2_gaps': []}
        if prompt_logprobs:
            rows = torch.log_softmax(self.logits(ids, every_row=True).double(), dim=-1)
            out['prompt_logprobs'] = [{'token_id': ids[i], 'logprob': float(rows[i - 1][ids[i]])} for i in range(1, len(ids))]
        for _ in range(max_tokens):
            logits = self.logits(ids)
            logprobs = torch.log_softmax(logits.double(), dim=-1)
            top2 = torch.topk(logits, 2).values
            token = int(torch.argmax(logits))
            k = min(max(top_k, 1), logits.numel())
            values, indices = torch.topk(logprobs, k)
            out['token_ids'].append(token)
            out['top2_gaps'].append(float(top2[0] - top2[1]))
            out['logprobs'].append({
                'token_id': token,
                'logprob': float(logprobs[token]),
                'top_logprobs': [{'token_id': int(i), 'logprob': float(v)} for v, i in zip(values, indices)][:top_k],
            })
            ids.append(token)
        return out


def parse_ids(text):
    try:
        return [int(t) for t in text.split(',') if t.strip() != '']
    except ValueError:
        raise argparse.ArgumentTypeError(f'not a comma-separated list of token ids: {text}')


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--model', required=True)
    p.add_argument('--prompt-ids', type=parse_ids, action='append', required=True)
    p.add_argument('--max-tokens', type=int, required=True)
    p.add_argument('--top-logprobs', type=int, default=0)
    p.add_argument('--quantization', choices=['q8_0', 'q4_0'])
    p.add_argument('--prompt-logprobs', action='store_true', help="the logprob of each prompt token after the first")
    p.add_argument('--accumulate', choices=['f32', 'f64'], default='f32',
                   help='f64: sum the Linear products in float64 and round once to f32. A second, legitimate '
                        'summation order, to measure how far rounding steps (bf16 inputs, q8_0) carry '
                        'summation-order differences into the logprobs')
    args = p.parse_args(argv)
    model = Model(args.model, args.quantization, args.accumulate)
    vocab = model.weight('model.embed_tokens.weight')[1].shape[0]
    for prompt in args.prompt_ids:
        if not prompt or min(prompt) < 0 or max(prompt) >= vocab:
            sys.exit(f'torch_reference: prompt ids must be non-empty and in [0, {vocab})')
        print(json.dumps(model.generate(prompt, args.max_tokens, args.top_logprobs, args.prompt_logprobs)), flush=True)


if __name__ == '__main__':
    main()
