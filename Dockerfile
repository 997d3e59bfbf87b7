# The workbench app alone, for a cluster (deploy/README.md): models come from Kubernetes discovery
# or the MDS named by WORKBENCH_CATALOG, the store from WORKBENCH_DATABASE_URL. The embedded demo
# MDS (`make run`) is not in this image: it needs two more Python environments and is for laptops.
# The same image runs the request-log sink (`mds logs serve`). No secret is baked in: the users
# file and the cookie keys come from a Kubernetes Secret at run time.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY requirements.txt constraints.txt ./
RUN pip install -r requirements.txt -c constraints.txt

COPY pyproject.toml README.md ./
COPY mds_client/ mds_client/
COPY workbench/ workbench/
COPY logsink/ logsink/
COPY embedded_mds/ embedded_mds/
COPY components/ components/
COPY pages/ pages/
COPY config/ config/
COPY .streamlit/config.toml .streamlit/config.toml
# A numeric UID, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
RUN pip install --no-deps -e . \
    && groupadd --gid 10001 workbench \
    && useradd --uid 10001 --gid 10001 --create-home --home-dir /home/workbench workbench \
    && mkdir -p /data /home/workbench/.streamlit \
    && chown -R 10001:10001 /data /home/workbench

USER 10001:10001
# Point these at your MDS and database; mount your users file and set the cookie keys as secrets.
ENV HOME=/home/workbench \
    WORKBENCH_HOME=/data \
    WORKBENCH_AUTH=on
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"
CMD ["streamlit", "run", "workbench/app.py", "--server.address=0.0.0.0", "--server.port=8501", "--server.headless=true", "--browser.gatherUsageStats=false"]
