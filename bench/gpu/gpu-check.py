"""Python cross-check on the device machine: transformers / sentence-transformers load our
checkpoint and compute what our engine computed; Python onnxruntime runs our export; and
PyTorch's own throughput on the same GPU as the named baseline for the WebGPU figures."""
import json, time, sys
import numpy as np
import torch

res = {}
ours = json.load(open('/tmp/sl-gpu-ours.json'))
from transformers import AutoTokenizer, BertModel, BertConfig
tok = AutoTokenizer.from_pretrained('/tmp/sl-gpu-ckpt')
enc = tok(ours['sentences'], padding=True, return_tensors='pt')
ids_match = all(enc['input_ids'][i][: len(r)].tolist() == r for i, r in enumerate(ours['ids']))
res['tokenizer_ids_match_transformers'] = ids_match
model = BertModel.from_pretrained('/tmp/sl-gpu-ckpt').eval()
with torch.no_grad():
    h = model(**enc).last_hidden_state
    m = enc['attention_mask'].unsqueeze(-1).float()
    pooled = (h * m).sum(1) / m.sum(1)
res['transformers_BertModel_mean_pool_max_abs_diff'] = float(np.abs(pooled.numpy() - np.array(ours['embeddings'])).max())
try:
    from sentence_transformers import SentenceTransformer
    st = SentenceTransformer('/tmp/sl-gpu-ckpt', device='cpu')
    e = st.encode(ours['sentences'], convert_to_numpy=True)
    res['sentence_transformers_max_abs_diff'] = float(np.abs(e - np.array(ours['embeddings'])).max())
except Exception as ex:  # report, don't hide
    res['sentence_transformers_error'] = repr(ex)[:300]
import onnxruntime as ort
s = ort.InferenceSession('/tmp/sl-gpu-export/model.onnx')
feeds = {k: enc[k].numpy().astype(np.int64) for k in ['input_ids', 'attention_mask', 'token_type_ids']}
o = dict(zip([x.name for x in s.get_outputs()], s.run(None, feeds)))
res['python_onnxruntime_export_embedding_max_abs_diff'] = float(np.abs(o['sentence_embedding'] - np.array(ours['embeddings'])).max())
res['python_onnxruntime_export_topic_probs_max_abs_diff'] = float(np.abs(o['topic_probs'] - np.array(ours['topic_probs'])).max())

# Baseline: PyTorch fp32 on this GPU, same shapes as the WebGPU rows.
rows = []
torch.backends.cuda.matmul.allow_tf32 = False
for name, L, H, A, I in [('MiniLM-L6 shape', 6, 384, 12, 1536), ('bert-base shape', 12, 768, 12, 3072)]:
    cfg = BertConfig(vocab_size=30522, hidden_size=H, num_hidden_layers=L, num_attention_heads=A, intermediate_size=I, attn_implementation='eager')
    net = BertModel(cfg).cuda()
    for batch, seq in [(32, 128), (1, 32)]:
        x = torch.randint(1000, 30000, (batch, seq), device='cuda')
        net.eval()
        with torch.no_grad():
            for _ in range(3): net(input_ids=x)
            torch.cuda.synchronize(); t = time.perf_counter(); n = 20
            for _ in range(n): net(input_ids=x)
            torch.cuda.synchronize(); dt = (time.perf_counter() - t) / n
        rows.append(f'| {name} | inference batch {batch} × seq {seq} | PyTorch {torch.__version__} CUDA fp32 (no TF32, eager attention) | {batch/dt:.1f} sent/s | {dt*1000:.1f} ms |')
        half = BertModel(cfg).cuda().half().eval()
        with torch.no_grad():
            for _ in range(3): half(input_ids=x)
            torch.cuda.synchronize(); t = time.perf_counter(); n = 20
            for _ in range(n): half(input_ids=x)
            torch.cuda.synchronize(); dt = (time.perf_counter() - t) / n
        rows.append(f'| {name} | inference batch {batch} × seq {seq} | PyTorch CUDA fp16 (.half(), eager attention) | {batch/dt:.1f} sent/s | {dt*1000:.1f} ms |')
        del half
    net.train()
    opt = torch.optim.AdamW(net.parameters(), lr=1e-5)
    x = torch.randint(1000, 30000, (16, 64), device='cuda')
    for i in range(8):
        if i == 3: torch.cuda.synchronize(); t = time.perf_counter()
        loss = net(input_ids=x).last_hidden_state.mean(); loss.backward(); opt.step(); opt.zero_grad()
    torch.cuda.synchronize(); dt = (time.perf_counter() - t) / 5
    rows.append(f'| {name} | full fine-tune step incl. AdamW, batch 16 × seq 64 | PyTorch CUDA fp32 | {16/dt:.1f} ex/s | {dt*1000:.1f} ms |')
res['pytorch_rows'] = rows
res['gpu'] = torch.cuda.get_device_name(0)
print(json.dumps(res, indent=1))
json.dump(res, open(sys.argv[1], 'w'), indent=1)
