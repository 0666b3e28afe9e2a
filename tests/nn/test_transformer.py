"""LayerNorm, Embedding, positional encodings, MultiheadAttention and the Transformer encoder:
parameter names and initialisation, float64 gradchecks, and (when PyTorch is installed) equal
outputs and gradients after copying PyTorch's weights by state_dict name."""
import numpy as np
import pytest

import minidl as dl
import minidl.nn as nn

E, HEADS, N, L, S = 4, 2, 2, 3, 5


def float64(module):
    """Cast a module's parameters to float64 for gradcheck and exact parity."""
    if hasattr(module, "double"):
        return module.double()
    for p in module.parameters():
        p._data = p._data.astype(np.float64)
    return module


def randn(*shape, seed=0, requires_grad=True):
    array = np.random.default_rng(seed).standard_normal(shape)
    return dl.tensor(array, dtype=dl.float64, requires_grad=requires_grad)


def check_gradients(fn, inputs, module):
    """gradcheck of fn() with respect to the inputs and every parameter of the module."""
    return dl.gradcheck(lambda *_: fn(), list(inputs) + list(module.parameters()))


# ----------------------------------------------------------------------------- small modules


def test_layer_norm_module():
    norm = nn.LayerNorm((2, 3))
    assert [name for name, _ in norm.named_parameters()] == ["weight", "bias"]
    np.testing.assert_array_equal(norm.weight.numpy(), np.ones((2, 3)))
    out = norm(dl.randn(4, 2, 3)).numpy().reshape(4, 6)
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-6)
    assert list(nn.LayerNorm(3, elementwise_affine=False).parameters()) == []


def test_embedding_module_init_and_padding():
    dl.manual_seed(0)
    table = nn.Embedding(1000, 16, padding_idx=0)
    weight = table.weight.numpy()
    np.testing.assert_array_equal(weight[0], 0)
    assert abs(weight[1:].mean()) < 0.02 and abs(weight[1:].std() - 1) < 0.02
    ids = dl.tensor([[0, 3, 3]])
    assert table(ids).shape == (1, 3, 16)
    table(ids).sum().backward()
    np.testing.assert_array_equal(table.weight.grad.numpy()[0], 0)
    np.testing.assert_array_equal(table.weight.grad.numpy()[3], 2)


def test_sinusoidal_positional_encoding():
    encoding = nn.SinusoidalPositionalEncoding(6, max_len=10)
    assert list(encoding.parameters()) == []
    out = encoding(dl.zeros(2, 4, 6)).numpy()
    position, i = 3, 1  # PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(...)
    angle = position / 10000 ** (2 * i / 6)
    np.testing.assert_allclose(out[1, position, 2 * i], np.sin(angle), rtol=1e-6)
    np.testing.assert_allclose(out[1, position, 2 * i + 1], np.cos(angle), rtol=1e-6)
    with pytest.raises(ValueError, match="exceeds max_len 10"):
        encoding(dl.zeros(1, 11, 6))


def test_learned_positional_encoding():
    encoding = nn.LearnedPositionalEncoding(6, max_len=10)
    assert [name for name, _ in encoding.named_parameters()] == ["weight"]
    x = dl.randn(2, 4, 6)
    out = encoding(x)
    expected = x.numpy() + encoding.weight.numpy()[:4]
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)
    out.sum().backward()
    np.testing.assert_allclose(encoding.weight.grad.numpy()[:4], 2)
    np.testing.assert_array_equal(encoding.weight.grad.numpy()[4:], 0)


# ----------------------------------------------------------------------------- MultiheadAttention


def test_mha_parameter_names_shapes_and_init():
    mha = nn.MultiheadAttention(8, 2)
    shapes = {name: p.shape for name, p in mha.named_parameters()}
    assert shapes == {
        "in_proj_weight": (24, 8), "in_proj_bias": (24,),
        "out_proj.weight": (8, 8), "out_proj.bias": (8,),
    }
    np.testing.assert_array_equal(mha.in_proj_bias.numpy(), 0)
    np.testing.assert_array_equal(mha.out_proj.bias.numpy(), 0)
    bound = np.sqrt(6 / (8 + 24))  # Xavier uniform over (3E, E)
    assert np.abs(mha.in_proj_weight.numpy()).max() <= bound
    no_bias = nn.MultiheadAttention(8, 2, bias=False)
    assert {name for name, _ in no_bias.named_parameters()} == {"in_proj_weight", "out_proj.weight"}
    with pytest.raises(ValueError, match="divisible"):
        nn.MultiheadAttention(6, 4)


def padding_mask():
    """Batch entry 0 ignores its last two keys, entry 1 its first key (True = masked out)."""
    mask = np.zeros((N, S), dtype=bool)
    mask[0, -2:] = True
    mask[1, 0] = True
    return mask


def attn_bool_mask(queries=L, keys=S):
    mask = np.random.default_rng(7).random((queries, keys)) < 0.3
    mask[:, 0] = False  # every query keeps at least one key
    return mask


MHA_CASES = {
    "self_attention": dict(self_attention=True),
    "cross_attention": dict(),
    "key_padding_mask": dict(key_padding_mask=padding_mask()),
    "bool_attn_mask": dict(attn_mask=attn_bool_mask()),
    "float_attn_mask": dict(attn_mask=np.random.default_rng(8).standard_normal((L, S))),
    "per_head_attn_mask": dict(
        attn_mask=np.random.default_rng(9).standard_normal((N * HEADS, L, S))
    ),
    "both_masks": dict(key_padding_mask=padding_mask(), attn_mask=attn_bool_mask()),
    "causal": dict(self_attention=True, is_causal=True),
    "causal_and_padding": dict(  # every query still sees key 0
        self_attention=True, is_causal=True,
        key_padding_mask=np.array([[False, False, True], [False, True, False]]),
    ),
}


def mha_inputs(case, lib=dl):
    """(query, key, value) leaves and the forward keywords of a case, for minidl or torch."""
    case = dict(case)
    self_attention = case.pop("self_attention", False)
    query = randn(N, L, E, seed=1)
    key = query if self_attention else randn(N, S, E, seed=2)
    value = query if self_attention else randn(N, S, E, seed=3)
    inputs = [query] if self_attention else [query, key, value]
    if lib is not dl:
        inputs = [lib.tensor(x.numpy(), requires_grad=True) for x in inputs]
    qkv = inputs * 3 if self_attention else inputs
    if case.get("is_causal") and lib is not dl:  # PyTorch's is_causal is a hint: it needs the mask
        case["attn_mask"] = lib.tensor(np.triu(np.ones((L, L), dtype=bool), 1))
    kwargs = {k: (lib.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in case.items()}
    return inputs, qkv, kwargs


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("case", ["self_attention", "both_masks", "causal_and_padding"])
def test_mha_gradcheck(case, need_weights, kernels):
    dl.manual_seed(0)
    mha = float64(nn.MultiheadAttention(E, HEADS))
    inputs, qkv, kwargs = mha_inputs(MHA_CASES[case])

    def fn():
        output, weights = mha(*qkv, need_weights=need_weights, **kwargs)
        return (output, weights) if need_weights else output

    assert check_gradients(fn, inputs, mha)


def test_mha_need_weights_paths_agree():
    dl.manual_seed(0)
    mha = float64(nn.MultiheadAttention(E, HEADS))
    _, qkv, kwargs = mha_inputs(MHA_CASES["both_masks"])
    with_weights, weights = mha(*qkv, need_weights=True, **kwargs)
    fused, none = mha(*qkv, need_weights=False, **kwargs)
    assert none is None and weights.shape == (N, L, S)
    np.testing.assert_allclose(with_weights.numpy(), fused.numpy(), rtol=1e-10)
    np.testing.assert_allclose(weights.numpy().sum(axis=-1), 1)
    np.testing.assert_array_equal(weights.numpy()[0, :, -2:], 0)  # padded keys get no weight


def test_mha_fully_masked_query_gives_zeros_not_nan():
    mha = float64(nn.MultiheadAttention(E, HEADS))
    query = randn(1, L, E)
    everything = dl.tensor(np.ones((1, L), dtype=bool))
    for need_weights in (True, False):
        output, _ = mha(query, query, query, key_padding_mask=everything, need_weights=need_weights)
        bias_only = np.broadcast_to(mha.out_proj.bias.numpy(), (1, L, E))
        np.testing.assert_allclose(output.numpy(), bias_only)


def test_mha_dropout_only_in_training():
    dl.manual_seed(0)
    mha = nn.MultiheadAttention(8, 2, dropout=0.5)
    x = dl.randn(2, 6, 8)
    mha.eval()
    first, second = mha(x, x, x)[0].numpy(), mha(x, x, x)[0].numpy()
    np.testing.assert_array_equal(first, second)
    mha.train()
    assert not np.allclose(mha(x, x, x, need_weights=False)[0].numpy(), first)
    assert not np.allclose(mha(x, x, x)[0].numpy(), first)


def test_mha_unbatched_and_sequence_first():
    dl.manual_seed(0)
    batch_first = float64(nn.MultiheadAttention(E, HEADS))
    sequence_first = float64(nn.MultiheadAttention(E, HEADS, batch_first=False))
    sequence_first.load_state_dict(batch_first.state_dict())
    x = randn(N, L, E)
    expected, weights = batch_first(x, x, x)
    transposed, _ = sequence_first(*(x.transpose(0, 1),) * 3)
    np.testing.assert_allclose(transposed.transpose(0, 1).numpy(), expected.numpy(), rtol=1e-12)
    single, single_weights = batch_first(x[0], x[0], x[0])
    np.testing.assert_allclose(single.numpy(), expected.numpy()[0], rtol=1e-12)
    assert single_weights.shape == (L, L)


def copy_from_torch(ours, theirs):
    """Load PyTorch's weights into a minidl module by state_dict name (the names must match)."""
    state = {name: dl.tensor(value.detach().numpy()) for name, value in theirs.state_dict().items()}
    assert set(state) == {name for name, _ in ours.named_parameters()}
    ours.load_state_dict(state)


def assert_close(ours, theirs, rtol=1e-9, atol=1e-12):
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol)


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("case", list(MHA_CASES))
def test_mha_matches_pytorch(case, need_weights):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(E, HEADS, batch_first=True).double()
    ours = float64(nn.MultiheadAttention(E, HEADS))
    copy_from_torch(ours, theirs)
    our_inputs, our_qkv, our_kwargs = mha_inputs(MHA_CASES[case])
    their_inputs, their_qkv, their_kwargs = mha_inputs(MHA_CASES[case], torch)
    out, weights = ours(*our_qkv, need_weights=need_weights, **our_kwargs)
    expected, expected_weights = theirs(*their_qkv, need_weights=need_weights, **their_kwargs)
    assert_close(out, expected)
    if need_weights:
        assert_close(weights, expected_weights)
    upstream = np.random.default_rng(5).standard_normal(out.shape)
    out.backward(dl.tensor(upstream))
    expected.backward(torch.tensor(upstream))
    for x, y in zip(our_inputs, their_inputs):
        assert_close(x.grad, y.grad)
    their_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert_close(p.grad, their_params[name].grad)


@pytest.mark.parametrize("options", [dict(average_attn_weights=False), dict(bias=False)])
def test_mha_options_match_pytorch(options):
    torch = pytest.importorskip("torch")
    average = options.get("average_attn_weights", True)
    bias = options.get("bias", True)
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(E, HEADS, bias=bias, batch_first=True).double()
    ours = float64(nn.MultiheadAttention(E, HEADS, bias=bias))
    copy_from_torch(ours, theirs)
    x = randn(N, L, E)
    out, weights = ours(x, x, x, average_attn_weights=average)
    their_x = torch.tensor(x.numpy())
    expected, expected_weights = theirs(their_x, their_x, their_x, average_attn_weights=average)
    assert_close(out, expected)
    assert_close(weights, expected_weights)


# ----------------------------------------------------------------------------- encoder


LAYER_NAMES = {
    "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
    "self_attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight",
    "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias",
}


def test_encoder_parameter_names():
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16)
    assert {name for name, _ in layer.named_parameters()} == LAYER_NAMES
    encoder = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(8))
    expected = {f"layers.{i}.{name}" for i in range(2) for name in LAYER_NAMES}
    expected |= {"norm.weight", "norm.bias"}
    assert {name for name, _ in encoder.named_parameters()} == expected
    with pytest.raises(ValueError, match="activation"):
        nn.TransformerEncoderLayer(8, 2, activation="swish")


def test_encoder_layers_are_independent_copies():
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16)
    encoder = nn.TransformerEncoder(layer, 2)
    first, second = encoder.layers[0].linear1.weight, encoder.layers[1].linear1.weight
    np.testing.assert_array_equal(first.numpy(), second.numpy())  # same start, as in PyTorch
    assert first is not second and first is not layer.linear1.weight
    assert not np.shares_memory(first._data, second._data)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_encoder_layer_gradcheck(norm_first, activation, kernels):
    dl.manual_seed(0)
    layer = float64(nn.TransformerEncoderLayer(E, HEADS, dim_feedforward=6, dropout=0.0,
                                               activation=activation, norm_first=norm_first))
    src = randn(N, S, E)
    padding = dl.tensor(padding_mask())
    fn = lambda: layer(src, src_key_padding_mask=padding)  # noqa: E731
    assert check_gradients(fn, [src], layer)


ENCODER_CASES = {
    "post_norm_relu": dict(norm_first=False, activation="relu"),
    "post_norm_gelu": dict(norm_first=False, activation="gelu"),
    "pre_norm_relu": dict(norm_first=True, activation="relu"),
    "pre_norm_gelu": dict(norm_first=True, activation="gelu"),
}
MASKS = {
    "no_mask": {},
    "padding": dict(src_key_padding_mask=padding_mask()),
    "src_mask": dict(src_mask=attn_bool_mask(S, S)),
    "causal": dict(is_causal=True),
}


def encoder_masks(masks, lib):
    kwargs = {k: (lib.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in masks.items()}
    if kwargs.get("is_causal") and lib is not dl:
        kwargs["src_mask"] = lib.tensor(np.triu(np.ones((S, S), dtype=bool), 1))
    return kwargs


@pytest.mark.parametrize("masks", list(MASKS))
@pytest.mark.parametrize("config", list(ENCODER_CASES))
def test_encoder_layer_matches_pytorch(config, masks):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    options = dict(dim_feedforward=6, dropout=0.0, batch_first=True, **ENCODER_CASES[config])
    theirs = torch.nn.TransformerEncoderLayer(E, HEADS, **options).double()
    ours = float64(nn.TransformerEncoderLayer(E, HEADS, **options))
    copy_from_torch(ours, theirs)
    src = randn(N, S, E)
    their_src = torch.tensor(src.numpy(), requires_grad=True)
    out = ours(src, **encoder_masks(MASKS[masks], dl))
    expected = theirs(their_src, **encoder_masks(MASKS[masks], torch))
    assert_close(out, expected)
    upstream = np.random.default_rng(6).standard_normal(out.shape)
    out.backward(dl.tensor(upstream))
    expected.backward(torch.tensor(upstream))
    assert_close(src.grad, their_src.grad)
    their_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert_close(p.grad, their_params[name].grad, rtol=1e-8, atol=1e-11)


def test_encoder_stack_matches_pytorch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    options = dict(dim_feedforward=6, dropout=0.0, batch_first=True, norm_first=True)
    their_layer = torch.nn.TransformerEncoderLayer(E, HEADS, **options)
    theirs = torch.nn.TransformerEncoder(their_layer, 2, norm=torch.nn.LayerNorm(E),
                                         enable_nested_tensor=False).double()
    ours = float64(nn.TransformerEncoder(nn.TransformerEncoderLayer(E, HEADS, **options), 2,
                                         norm=nn.LayerNorm(E)))
    copy_from_torch(ours, theirs)
    src = randn(N, S, E)
    masks = encoder_masks({"src_key_padding_mask": padding_mask()}, dl)
    their_masks = encoder_masks({"src_key_padding_mask": padding_mask()}, torch)
    assert_close(ours(src, **masks), theirs(torch.tensor(src.numpy()), **their_masks))
