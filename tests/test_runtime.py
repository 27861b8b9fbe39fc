"""cnn_course.runtime: "can we download" and "how big to train" are separate questions.

This machine has no network and may have no GPU, so each combination is simulated: the GPU by
monkeypatching ``_cuda_available``, the network by replacing the socket probe (never a real connection).
"""
from __future__ import annotations

import pytest

from cnn_course import runtime


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for var in ("CNN_COURSE_DEVICE", "CNN_COURSE_PROFILE", "CNN_COURSE_NETWORK", "CNN_COURSE_DATA"):
        monkeypatch.delenv(var, raising=False)
    runtime.has_network.cache_clear()
    yield
    runtime.has_network.cache_clear()


def simulate(monkeypatch, *, gpu: bool, network: bool) -> list:
    """A GPU present or not; the dataset host answering or not. Returns the list of probes made."""
    probes = []

    class _Connection:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def fake_connect(address, timeout=None):
        probes.append((address, timeout))
        if not network:
            raise OSError("network is unreachable (simulated)")
        return _Connection()

    monkeypatch.setattr(runtime, "_cuda_available", lambda: gpu)
    monkeypatch.setattr(runtime.socket, "create_connection", fake_connect)
    runtime.has_network.cache_clear()
    return probes


@pytest.mark.parametrize("gpu, network, expected_profile, expected_download", [
    (True, True, "full", True),      # Colab GPU: full data, real training, downloads
    (False, True, "quick", True),    # a laptop or a CPU Colab: small training, but real pretrained weights
    (True, False, "quick", False),   # a GPU box offline: the shipped sample, random weights
    (False, False, "quick", False),  # CI: no GPU, no network
])
def test_each_combination_of_device_and_network(monkeypatch, gpu, network, expected_profile, expected_download):
    simulate(monkeypatch, gpu=gpu, network=network)
    assert runtime.profile() == expected_profile
    assert runtime.can_download() is expected_download
    assert (runtime.offline_reason() is None) is expected_download


def test_no_gpu_is_not_no_network(monkeypatch):
    simulate(monkeypatch, gpu=False, network=True)
    assert runtime.profile() == "quick" and runtime.can_download()
    assert runtime.offline_reason() is None


def test_network_off_never_probes(monkeypatch):
    probes = simulate(monkeypatch, gpu=True, network=True)
    monkeypatch.setenv("CNN_COURSE_NETWORK", "off")
    assert not runtime.can_download()
    assert runtime.profile() == "quick"          # no downloads, so no full data to train on
    assert runtime.offline_reason() == "CNN_COURSE_NETWORK=off"
    assert probes == []


def test_network_on_skips_the_probe(monkeypatch):
    probes = simulate(monkeypatch, gpu=False, network=False)
    monkeypatch.setenv("CNN_COURSE_NETWORK", "on")
    assert runtime.can_download()
    assert probes == []


def test_the_probe_is_bounded_and_made_once(monkeypatch):
    probes = simulate(monkeypatch, gpu=False, network=False)
    for _ in range(3):
        assert not runtime.can_download()
    assert len(probes) == 1
    assert probes[0][1] is not None and probes[0][1] <= 1.0
    assert "no answer from" in runtime.offline_reason()


def test_a_forced_profile_wins_over_the_device(monkeypatch):
    simulate(monkeypatch, gpu=False, network=True)
    monkeypatch.setenv("CNN_COURSE_PROFILE", "full")
    assert runtime.profile() == "full"
    assert runtime.profile("quick") == "quick"
    monkeypatch.setenv("CNN_COURSE_PROFILE", "quick")
    simulate(monkeypatch, gpu=True, network=True)
    assert runtime.profile() == "quick" and runtime.can_download()


@pytest.mark.parametrize("var, value", [("CNN_COURSE_NETWORK", "maybe"), ("CNN_COURSE_PROFILE", "huge"),
                                        ("CNN_COURSE_DEVICE", "tpu")])
def test_a_wrong_value_is_named(monkeypatch, var, value):
    simulate(monkeypatch, gpu=False, network=False)
    monkeypatch.setenv(var, value)
    call = {"CNN_COURSE_NETWORK": runtime.can_download, "CNN_COURSE_PROFILE": runtime.profile,
            "CNN_COURSE_DEVICE": runtime.device}[var]
    with pytest.raises(ValueError, match=var):
        call()


def test_cuda_asked_for_without_a_gpu_is_refused(monkeypatch):
    simulate(monkeypatch, gpu=False, network=False)
    monkeypatch.setenv("CNN_COURSE_DEVICE", "cuda")
    with pytest.raises(RuntimeError, match="no GPU"):
        runtime.device()


def test_cache_dir(monkeypatch, tmp_path):
    assert runtime.cache_dir().parts[-2:] == (".cache", "cnn_course")
    monkeypatch.setenv("CNN_COURSE_DATA", str(tmp_path))
    assert runtime.cache_dir() == tmp_path


def test_summary_says_whether_it_downloads(monkeypatch):
    pytest.importorskip("torch")
    simulate(monkeypatch, gpu=False, network=True)
    assert "profile=quick" in runtime.summary() and "downloads=on" in runtime.summary()
    simulate(monkeypatch, gpu=False, network=False)
    assert "downloads=off" in runtime.summary()


def test_this_machine_is_offline_in_ci():
    """What the test suite itself relies on: no probe here hangs, and without network nothing downloads."""
    if runtime.has_network():
        pytest.skip("this machine can reach the dataset host")
    assert not runtime.can_download()
    assert runtime.profile() == "quick"


def test_pretrained_weights_follow_the_network_or_the_cache_not_the_profile(monkeypatch, tmp_path):
    torch = pytest.importorskip("torch")
    torchvision = pytest.importorskip("torchvision")
    from cnn_course import data

    weights = torchvision.models.MobileNet_V2_Weights.IMAGENET1K_V1
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("CNN_COURSE_PROFILE", "quick")
    built = []

    def builder(weights=None, **kwargs):
        built.append(weights)
        if weights is not None:
            raise OSError("the download was cut short")  # as offline: the fallback below must follow
        return torch.nn.Linear(1, 1)

    simulate(monkeypatch, gpu=False, network=True)  # a CPU laptop with network, quick profile
    data.pretrained_weights(builder, weights)
    assert built == [weights, None]  # tried the real weights first, then fell back
    built.clear()
    simulate(monkeypatch, gpu=False, network=False)  # offline, nothing cached: straight to random weights
    data.pretrained_weights(builder, weights)
    assert built == [None]
    built.clear()
    checkpoint = tmp_path / "torch" / "hub" / "checkpoints" / weights.url.rsplit("/", 1)[1]
    checkpoint.parent.mkdir(parents=True)
    checkpoint.write_bytes(b"")  # fetched earlier (the grader's cache): offline is no reason to skip them
    assert data.weights_cached(weights)
    data.pretrained_weights(builder, weights)
    assert built == [weights, None]
