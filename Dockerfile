# The workbench app alone, for a cluster: models come from the MDS named by WORKBENCH_CATALOG
# (or Kubernetes discovery), the store from WORKBENCH_DATABASE_URL. The embedded demo MDS
# (`make run`) is not in this image: it needs two more Python environments and is for laptops.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY requirements.txt constraints.txt ./
RUN pip install -r requirements.txt -c constraints.txt

COPY pyproject.toml README.md ./
COPY mds_client/ mds_client/
COPY workbench/ workbench/
COPY components/ components/
COPY pages/ pages/
COPY config/ config/
COPY .streamlit/config.toml .streamlit/config.toml
RUN pip install --no-deps -e . \
    && useradd --create-home --uid 10001 workbench \
    && mkdir -p /data && chown workbench /data

USER workbench
# Point these at your MDS and database; mount your users file and set the cookie key as secrets.
ENV WORKBENCH_HOME=/data \
    WORKBENCH_AUTH=on
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"
CMD ["streamlit", "run", "workbench/app.py", "--server.address=0.0.0.0", "--server.port=8501", "--server.headless=true", "--browser.gatherUsageStats=false"]
