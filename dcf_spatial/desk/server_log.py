"""The web server's own log lines in Chinese: start-up, shutdown and its errors.

uvicorn writes "Started server process [2140]", "Uvicorn running on http://… (Press CTRL+C to quit)" and
the like in English between the desk's Chinese start-up lines (a new user's QA, finding 19). A filter on
uvicorn's ``uvicorn.error`` logger rewrites the lines it knows into Chinese; a line it does not know passes
unchanged, and an error keeps uvicorn's own text (the system's reason) after the Chinese one, with its
traceback: nothing is lost. The request lines are the desk's own (:func:`dcf_spatial.desk.app.console_access_log`)
and keep the format the README describes.
"""

from __future__ import annotations

import errno
import logging

#: uvicorn's messages (the format strings of uvicorn 0.3x–0.5x, ``record.msg``) → Chinese, same ``%`` arguments
MESSAGES_ZH = {
    "Started server process [%d]": "工作台进程已启动（进程号 %d）。",
    "Finished server process [%d]": "工作台进程已结束（进程号 %d）。",
    "Waiting for application startup.": "正在准备工作台……",
    "Application startup complete.": "工作台已就绪。",
    "Uvicorn running on %s://%s:%d (Press CTRL+C to quit)": "正在监听 %s://%s:%d（按 Ctrl+C 停止）。",
    "Uvicorn running on %s://[%s]:%d (Press CTRL+C to quit)": "正在监听 %s://[%s]:%d（按 Ctrl+C 停止）。",
    "Uvicorn running on unix socket %s (Press CTRL+C to quit)": "正在监听本机套接字 %s（按 Ctrl+C 停止）。",
    "Shutting down": "正在停止：不再接受新的请求……",
    "Waiting for connections to close. (CTRL+C to force quit)": "等待进行中的请求结束（再按 Ctrl+C 强行停止）……",
    "Waiting for background tasks to complete. (CTRL+C to force quit)": "等待后台任务结束（再按 Ctrl+C 强行停止）……",
    "Waiting for application shutdown.": "正在收尾（后台任务、临时文件）……",
    "Application shutdown complete.": "收尾完成。",
    "Application startup failed. Exiting.": "工作台启动失败，已退出（原因见上一行）。",
    "Application shutdown failed. Exiting.": "工作台收尾失败，已退出（原因见上一行）。",
    "Cancel %s running task(s), timeout graceful shutdown exceeded": "等待超时，已取消 %s 个仍在运行的任务。",
    "Exception in ASGI application\n": "处理请求时程序出错（详情如下，请把这几行交给维护人员）：\n",
    "Invalid HTTP request received.": "收到无法解析的 HTTP 请求，已忽略。",
}


def listen_error_zh(exc: OSError, where: str = "") -> str:
    """A listening socket refused: what it means and what to do, then the system's words (kept whole).

    Examples
    --------
    >>> import errno
    >>> listen_error_zh(OSError(errno.EADDRINUSE, "Address already in use"), "127.0.0.1:8765").split("。")[0]
    '无法在 127.0.0.1:8765 上监听：端口已被占用（另一个工作台或其他程序正在使用它）'
    """
    if exc.errno == errno.EADDRINUSE:
        what = "端口已被占用（另一个工作台或其他程序正在使用它）。请用 --port 换一个端口，或先停止占用它的程序"
    elif exc.errno in (errno.EADDRNOTAVAIL, errno.EACCES):
        what = "本机没有这个地址，或无权使用这个端口（1024 以下的端口需要管理员权限）。请检查 --host 与 --port"
    else:
        what = "请检查 --host 与 --port"
    return f"无法{'在 ' + where + ' 上' if where else '开始'}监听：{what}。（系统的说明：{exc}）"


class UvicornInChinese(logging.Filter):
    """Rewrite uvicorn's known start-up/shutdown/error lines into Chinese; pass everything else unchanged.

    Examples
    --------
    >>> r = logging.LogRecord("uvicorn.error", logging.INFO, "", 0, "Started server process [%d]", (7,), None)
    >>> UvicornInChinese().filter(r), r.getMessage()
    (True, '工作台进程已启动（进程号 7）。')
    """

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.msg
        if isinstance(msg, OSError):
            record.msg, record.args = listen_error_zh(msg), None
        elif isinstance(msg, str) and msg in MESSAGES_ZH:
            record.msg = MESSAGES_ZH[msg]
        else:
            return True
        # uvicorn's coloured variant of the English text would win on a terminal
        record.__dict__.pop("color_message", None)
        return True


def speak_chinese() -> None:
    """Put :class:`UvicornInChinese` on uvicorn's logger (once); call after ``uvicorn.Config`` set logging up.

    Examples
    --------
    >>> speak_chinese()
    >>> any(isinstance(f, UvicornInChinese) for f in logging.getLogger("uvicorn.error").filters)
    True
    """
    log = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, UvicornInChinese) for f in log.filters):
        log.addFilter(UvicornInChinese())
