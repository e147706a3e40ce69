"""The endpoint as members see it on 起草 and 设置 (issue 21, item 10): scheme, host and port only, never
credentials written into the URL."""

import pytest

from drafting.models.presets import endpoint_host
from drafting.settings import load_settings


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://alice:s3cret@llm.example.cn:8443/v1", "https://llm.example.cn:8443"),
        ("http://127.0.0.1:8000/v1?api-key=sk-123456", "http://127.0.0.1:8000"),
        ("https://dashscope.aliyuncs.com/compatible-mode/v1", "https://dashscope.aliyuncs.com"),
        ("", "https://api.openai.com"),
    ],
)
def test_only_scheme_host_and_port_show(url, shown, tmp_path):
    settings = load_settings(data_dir=tmp_path, llm_base_url=url)
    assert endpoint_host(settings) == shown
    assert "s3cret" not in endpoint_host(settings) and "sk-" not in endpoint_host(settings)
