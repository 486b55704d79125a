# Polise's own image: `polise serve` (web), `polise worker` (jobs), `polise migrate` (one-shot).
# Base image by build argument: the office builds its own images under these names.
ARG BASE_IMAGE=python:3.11-slim

# Stage 1: the locked dependencies and Polise itself, in a virtualenv the final stage copies.
FROM ${BASE_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv UV_PYTHON_DOWNLOADS=never UV_LINK_MODE=copy \
    UV_COMPILE_BYTECODE=1 UV_NO_CACHE=1 \
    # The system's trust store, not uv's bundled one: an office proxy may re-sign TLS.
    UV_NATIVE_TLS=1
RUN python3 -m venv /opt/uv && /opt/uv/bin/pip install uv==0.13.9
WORKDIR /src
# Dependencies first: they change less often than the code, so this layer stays cached.
COPY pyproject.toml uv.lock README.md ./
RUN /opt/uv/bin/uv sync --locked --no-dev --no-install-project --python python3
COPY polise/ polise/
RUN /opt/uv/bin/uv sync --locked --no-dev --no-editable --python python3

# Stage 2: the runtime, without uv, pip caches or sources.
FROM ${BASE_IMAGE}
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    POLISE_DATA_DIR=/var/lib/polise
COPY --from=build /opt/venv /opt/venv
RUN mkdir -p /var/lib/polise && chown 10001:10001 /var/lib/polise
USER 10001:10001
WORKDIR /var/lib/polise
EXPOSE 8000
# Django answers only its allowed hosts, so the probe sends the Host of POLISE_BASE_URL.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD ["python3", "-c", "import os, urllib.parse as p, urllib.request as r; h = p.urlsplit(os.environ.get('POLISE_BASE_URL', 'http://localhost')).netloc; r.urlopen(r.Request('http://127.0.0.1:8000/healthz', headers={'Host': h}), timeout=3)"]
ENTRYPOINT ["polise"]
CMD ["serve", "--bind", "0.0.0.0:8000"]
