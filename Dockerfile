# The app in a container, for running several replicas behind a sticky load balancer
# (deploy/kubernetes/, or scripts/serve.sh on one machine). Build and run:
#   docker build -t mechanics-of-learning:0.1.0 .
#   docker run --rm -p 8501:8501 mechanics-of-learning:0.1.0
# Two stages: the first installs the requirements into a venv (pip and its caches stay
# there), the second copies only that venv and the app onto a fresh slim Python.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /build
COPY requirements.txt .
# torch alone comes from PyTorch's CPU index, so the image holds the ~200 MB CPU build and
# none of PyPI's several GB of nvidia-* CUDA wheels; its version is the one pinned in
# requirements.txt. Everything else comes from PyPI with the same pins, without the extra
# index line (which would make pip ask the CPU index about every package).
RUN pip install --index-url https://download.pytorch.org/whl/cpu "$(grep -E '^torch==' requirements.txt)" \
    && grep -vE '^(torch==|--extra-index-url)' requirements.txt > requirements-no-torch.txt \
    && pip install -r requirements-no-torch.txt \
    && python -c "import torch; assert torch.version.cuda is None, torch.__version__"

FROM ${PYTHON_IMAGE} AS runtime
# A user of its own, with a home for Streamlit's ~/.streamlit; numeric, so Kubernetes'
# runAsNonRoot can check it without reading /etc/passwd.
RUN groupadd --gid 10001 app \
    && useradd --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# The app's files stay owned by root: the server can read them, never change them.
COPY . .
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HOME=/home/app \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false
USER 10001:10001
EXPOSE 8501
# Slim images have no curl: Python asks the health endpoint. The start period covers the
# server's start-up (compiling the hot loops and warming the shared cache).
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"]
CMD ["streamlit", "run", "streamlit_app.py", \
     "--server.headless=true", \
     "--server.address=0.0.0.0", \
     "--server.port=8501", \
     "--server.fileWatcherType=none", \
     "--browser.gatherUsageStats=false"]
