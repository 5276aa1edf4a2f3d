"""What a browser is shown when the desk refuses it: a page in Chinese, not the API's JSON.

A desk started with ``--token`` (an intranet desk) answers a request without its token 401, and any desk
answers a request from another site or under a foreign host name 403. A program calling the API gets
``{"error": "…"}`` as before; a person who opened a bookmarked ``/site`` in a browser gets a page that says
the desk needs its token and how to open it: the link printed when the desk started (``/?token=…``), once
per browser session (a new user's QA, finding 17). The page never contains the token itself.
"""

from __future__ import annotations

import html

#: the style of the page, inline: the desk's own style sheet is behind the same guard
_STYLE = ("body{font-family:'Noto Sans CJK SC','Microsoft YaHei','PingFang SC',sans-serif;max-width:46em;"
          "margin:3em auto;padding:0 1em;line-height:1.7;color:#1f2328}h1{font-size:1.4em}"
          "code{background:#f6f8fa;padding:.1em .3em;border-radius:3px;word-break:break-all}"
          ".note{color:#57606a;font-size:.92em}")


def wants_html(request) -> bool:
    """True for a browser opening a page (``Accept`` names ``text/html``: an address typed, a bookmark, a
    link), False for a program or the pages' own ``fetch`` calls (``*/*`` or ``application/json``).

    Examples
    --------
    >>> class R: headers = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}; method = "GET"
    >>> wants_html(R())
    True
    """
    if request.method not in ("GET", "HEAD"):
        return False
    return "text/html" in (request.headers.get("accept") or "").lower()


def token_page(request, message: str, status: int) -> "HTMLResponse":
    """The page for a browser refused with ``status`` (401: no token; 403: cross-site or foreign host).

    Parameters
    ----------
    request
        The refused request (its host and path name the link to open).
    message
        The JSON answer's Chinese ``error``, repeated on a 403 page (it says why; a 401 page says how to open).
    status
        401 or 403; the page keeps the status.

    Examples
    --------
    >>> token_page(request, "需要访问令牌。", 401).status_code   # doctest: +SKIP
    401
    """
    from starlette.responses import HTMLResponse

    host = html.escape(request.headers.get("host") or "服务器地址:端口")
    path = request.url.path if request.url.path.startswith("/") else "/"
    link = html.escape(f"http://{request.headers.get('host') or '服务器地址:端口'}{path}?token=")
    if status == 401:
        title = "规划工作台需要访问令牌"
        body = (f"<p>这个工作台以访问令牌（<code>--token</code>）运行，只有带令牌打开的浏览器才能使用。</p>"
                "<h2>怎样打开</h2><ol>"
                "<li>用启动工作台时屏幕上打印的链接打开，形如 "
                f"<code>http://{host}/?token=令牌</code>（“规划工作台已启动：”一行）。</li>"
                f"<li>要直接打开本页（收藏的地址），在地址后加上令牌：<code>{link}令牌</code>。</li>"
                "<li>不知道令牌，请向启动工作台的同事或管理员索取；令牌是启动时给出或自动生成并只打印一次的那一串字符。</li>"
                "</ol><p class=\"note\">带令牌打开一次后，浏览器在本次会话中记住它（地址栏中的令牌随即去掉）；"
                "关闭浏览器后需再用带令牌的链接打开。收藏时请收藏不带令牌的地址，以免令牌外传。</p>")
    else:
        title = "规划工作台拒绝了这个请求"
        body = ("<p>请直接在浏览器地址栏输入工作台的地址（启动时打印的链接），不要经其他网站或其他主机名打开。</p>"
                f"<p class=\"note\">工作台的答复：{html.escape(message)}</p>")
    page = (f"<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title>"
            f"<style>{_STYLE}</style></head><body><h1>{title}</h1>{body}</body></html>")
    return HTMLResponse(page, status_code=status, headers={"Cache-Control": "no-store"})
