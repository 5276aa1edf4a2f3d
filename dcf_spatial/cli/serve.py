"""`dcf serve` — 规划工作台 — the planning desk in the browser (local web app and HTTP API)."""

from __future__ import annotations

import click

from .help_format import DcfCommand


@click.command(cls=DcfCommand)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="监听地址。默认只允许本机访问；其他地址（如 0.0.0.0）必须使用访问令牌。")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True, help="端口。")
@click.option("--store", "store", metavar="PATH|URL", help="图层库：GeoPackage 路径或 postgresql:// 地址（默认自带图层库）。")
@click.option("--token", metavar="T", help="访问令牌；非本机地址未给出时自动生成并只打印一次。")
@click.option("--upload-limit-mb", type=click.FloatRange(min=0, min_open=True), default=200, show_default=True,
              metavar="MB", help="上传文件大小上限（MB），也是压缩包解压后的上限。")
@click.option("--no-browser", is_flag=True, help="启动后不自动打开浏览器。")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, metavar="N",
              help="工作进程数。2 核机器上用 2：选址核查、页面与查询由各进程分担，后台任务、下载与图层导入"
                   "仍由 0 号主进程负责（其他进程转交给它）。仅 Linux。")
@click.option("--no-pin-cpus", is_flag=True,
              help="多个工作进程时不把各进程分别绑定到一个 CPU（默认绑定：2 核机器上记入登记的选址核查明显更快；"
                   "后台任务仍使用全部 CPU）。")
@click.option("--no-record", is_flag=True, help="不把核查记入核查登记（默认每次选址核查都记入图层库的核查登记）。")
def serve(host, port, store, token, upload_limit_mb, no_browser, no_record, workers, no_pin_cpus):
    """规划工作台：浏览器中的选址核查与数据接口 — the planning desk and its HTTP API.

    在浏览器中核查选址、批量核查和闲置土地审计；其他系统可调用 /api/…（接口文档 /api/docs）。
    所有页面资源均来自本机安装的软件包，无需联网。按 Ctrl+C 停止。

    \b
    $ dcf serve
    $ dcf serve --store 图层库.gpkg --no-browser
    $ dcf serve --host 0.0.0.0 --port 8765 --token 一个足够长的令牌
    $ dcf serve --no-record
    $ dcf serve --workers 2
    """
    from ..desk import serve as run

    if store is None:
        # ``dcf --store X serve``: the group's store is a context variable, which neither the thread that
        # announces the start nor the worker processes see — named here, it reaches both
        from .. import settings

        active = settings.active_store.get()
        store = None if active is None else str(active.location)

    def announce(url, tok, generated):
        click.echo(f"规划工作台已启动：{url}")
        for line in _store_lines(store, record=not no_record):
            click.echo(line)
        if generated:
            click.echo(f"访问令牌（只显示这一次，请妥善保存）：{tok}")
        if no_record:
            click.echo("核查不记入核查登记（--no-record）。")
        else:
            click.echo("每次选址核查都记入图层库的核查登记（查看：dcf site history；不记入请加 --no-record）。")
        if workers > 1:
            from ..desk.cpus import cpus_said

            click.echo(f"以 {workers} 个工作进程运行{'' if no_pin_cpus else cpus_said(workers)}。")
        click.echo("按 Ctrl+C 停止。")

    from ..desk.workers import DeskStopped

    try:
        run(host=host, port=port, store=store, token=token, open_browser=not no_browser,
            upload_limit_mb=upload_limit_mb, on_start=announce, record=not no_record, workers=workers,
            # said once, by the process the user started, after every worker has stopped and cleaned up
            on_stop=lambda: click.echo("工作台已停止。"),
            pin_cpus=not no_pin_cpus)
    except DeskStopped as exc:
        from .main import DcfUsageError

        # said as every other error of the command line ("错误 Error: …"), exit code 1: the desk could not run
        error = DcfUsageError(str(exc))
        error.exit_code = 1
        raise error from None


def _store_lines(store, *, record: bool) -> list[str]:
    """The start-up lines naming the store the desk opened (a URL's password masked, ``Store.label``), and a
    warning when its checks are recorded into the checkout's tracked ``layers/dcf_layers.gpkg`` (README, 图层库)
    or when the password stands in ``--store`` (any user of the machine sees it in the process list)."""
    import os
    from urllib.parse import urlsplit

    from .. import settings
    from ..store import Store
    from ..store.backends import as_pg_url

    st = Store(store)
    url = as_pg_url(st.location)
    lines = [f"图层库：{st.label}（{'PostGIS' if url else 'GeoPackage'}）"]
    if url is None and record:
        try:
            tracked = os.path.samefile(st.location, settings.checkout_store)
        except OSError:
            tracked = False
        if tracked:
            lines.append("提示：核查将记入代码仓库中受版本管理的 layers/dcf_layers.gpkg（git status 会显示它被改动）；"
                         "日常使用请先复制一份并用 --store 或 DCF_STORE 指向它，或加 --no-record。")
    if url is not None and store is not None and as_pg_url(store) and urlsplit(url).password:
        lines.append("提示：--store 的地址含密码，本机其他用户可在进程列表中看到；请改用环境变量 PGPASSWORD 或 ~/.pgpass。")
    return lines
