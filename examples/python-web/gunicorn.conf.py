# Loaded automatically by gunicorn from the working directory (/srv/app in production).
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8080')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
accesslog = "-"
errorlog = "-"
# The app directory is read-only in production; keep worker heartbeat files in RAM.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
