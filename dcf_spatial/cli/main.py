"""Entry point of ``dcf``. Command groups are imported lazily so that ``dcf --help`` and
``dcf layers list`` stay fast (no geopandas import until a command needs it)."""

from __future__ import annotations

import importlib
import logging
import sys
import warnings

import click

from ..errors import DcfError, LayerNotFoundError
from . import usage_zh
from .help_format import DcfGroup

from ..console_log import MaskSecrets as _MaskSecrets, ZhLevelFormatter as _ZhLevelFormatter

#: command name -> "module:attribute" of its click group or command
COMMANDS = {
    "layers": ("dcf_spatial.cli.layers:layers", "图层库：列出、查看、导出、导入、恢复、重算、推送 — the layer store"),
    "site": ("dcf_spatial.cli.site:site", "项目选址核查 — does a project fit the plan here?"),
    "query": ("dcf_spatial.cli.query:query", "空间查询：叠加、最近、范围、可用地 — overlap, distance, availability"),
    "maps": ("dcf_spatial.cli.maps:maps", "规划附图与交互地图 — appendix maps and web maps"),
    "audit": ("dcf_spatial.cli.audit:audit", "闲置土地与亩产效益审计 — land-bureau audits"),
    "sample": ("dcf_spatial.cli.sample:sample", "生成合成样例数据 — synthetic sample data"),
    "serve": ("dcf_spatial.cli.serve:serve", "规划工作台：浏览器中的选址核查与 HTTP API — the planning desk"),
}


class DcfUsageError(click.ClickException):
    """A :class:`DcfError` shown as a one-line message on stderr, exit code 2."""

    exit_code = 2

    def format_message(self):
        return self.message

    def show(self, file=None):
        click.echo(f"错误 Error: {self.format_message()}", err=True)


def _masked(exc: BaseException) -> str | None:
    """``str(exc)`` with its passwords masked, or ``None`` when it holds none."""
    from ..store.backends.names import mask_url

    text = str(exc)
    masked = mask_url(text)
    return None if masked == text else masked


#: the numeric warnings a user must hear about (their result may be empty or wrong), said in Chinese
#: instead of numpy's English; every other warning (a library's deprecation, GDAL's encoding notes,
#: a missing glyph) is known to leave the result as it is and goes to the debug log (-vv) only
NUMERIC_WARNINGS_ZH = {
    "overflow": "计算中出现溢出（数值过大，如 1e308），相关结果可能为空或不准确，请检查输入数值",
    "invalid value": "计算中出现无效数值（如无穷或缺失的数），相关结果可能为空或不准确，请检查输入数值",
    "divide by zero": "计算中出现除以零（如面积为 0），相关结果可能为空或不准确，请检查输入数值",
}


def _warning_in_chinese(message, category, filename, lineno, file=None, line=None):
    """``warnings.showwarning`` of the CLI: a numeric warning as one Chinese 提示 line; the raw
    text of every warning only in the debug log (``-vv``)."""
    logging.getLogger("dcf_spatial.warnings").debug("%s: %s (%s:%s)", category.__name__, message, filename, lineno)
    if not issubclass(category, RuntimeWarning):
        return
    said = next((zh for key, zh in NUMERIC_WARNINGS_ZH.items() if key in str(message)), None)
    if said is not None:
        from ._options import echo_note

        echo_note(f"提示：{said}（详情加 -vv 查看）。")


class LazyGroup(DcfGroup):
    """The ``dcf`` group: sub-commands imported on demand; tool and usage errors shown in Chinese."""

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:  # `dcf --bogus`: parsed before any sub-command runs
            raise usage_zh.in_chinese(exc) from exc

    def invoke(self, ctx):
        try:
            return self._invoke(ctx)
        except BaseException as exc:
            if not (isinstance(exc, click.exceptions.Exit) and exc.exit_code == 0):
                from ._options import remove_new_folders

                remove_new_folders(ctx)   # a command that stopped leaves no empty output folder behind
            raise

    def _invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except DcfError as exc:
            masked = _masked(exc)
            if masked is not None:  # the chained traceback (shown under python -X dev) would quote it again
                raise DcfUsageError(masked) from None
            from ._options import cli_wording

            # the library words its fixes neutrally; the command line names the option that does it
            text = str(exc) if getattr(exc, "cli_worded", False) else cli_wording(str(exc))
            if isinstance(exc, LayerNotFoundError):
                text += "可运行 `dcf layers list` 查看。"
            raise DcfUsageError(text) from exc
        except click.UsageError as exc:  # a sub-command's options, arguments or name
            if _masked(exc):
                exc.message = _masked(exc)
            raise usage_zh.in_chinese(exc) from exc
        except click.ClickException:
            raise
        except Exception as exc:
            # an unexpected error (a driver's, sqlalchemy's) whose text quotes a password: shown as one
            # masked line, with no traceback that would print it again
            masked = _masked(exc)
            if masked is None:
                raise
            raise DcfUsageError(f"{type(exc).__name__}：{masked}") from None

    def list_commands(self, ctx):
        return list(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        target, _ = COMMANDS[name]
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx, formatter):
        # Short help from the table, so `dcf --help` imports no command module.
        with formatter.section("Commands"):
            formatter.write_dl([(name, help_) for name, (_, help_) in COMMANDS.items()])


@click.group(cls=LazyGroup)
@click.option("--store", envvar="DCF_STORE", metavar="PATH|URL",
              help="图层库：GeoPackage 文件路径，或 postgresql:// 数据库地址（PostGIS）。"
                   "缺省为随附的 layers/dcf_layers.gpkg；也可用环境变量 DCF_STORE 指定。")
@click.option("-v", "--verbose", count=True, help="显示更多诊断信息（-vv 显示调试信息）。")
@click.option("-q", "--quiet", is_flag=True, help="安静模式：只显示错误。")
@click.version_option(package_name="dcf_spatial", help="显示版本号并退出。")
@click.pass_context
def cli(ctx, store, verbose, quiet):
    """dcf — 《东昌府区产业规划（2021-2030年）》空间工具 / Dongchangfu industry-plan GIS tool.

    图层库、项目选址核查、空间查询、规划附图、闲置土地与亩产效益审计。结果以中文文字输出，
    加 --json 输出 JSON；诊断信息写到标准错误输出。各命令的选项和示例见 dcf <命令> --help。
    默认图层多为示意图层（非权威界线），输出中均有注明。

    \b
    $ dcf layers list
    $ dcf site check --site 115.75,36.45 --industry 轴承
    """
    level = logging.ERROR if quiet else (logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING)
    handler = logging.StreamHandler(sys.stderr)
    # users read 提示：…; the module name only when diagnosing (-v)
    handler.setFormatter(_ZhLevelFormatter("%(level_zh)s %(name)s：%(message)s" if verbose else "%(level_zh)s：%(message)s"))
    handler.addFilter(_MaskSecrets())
    logging.basicConfig(level=level, handlers=[handler])
    # Raw Python warnings (numpy's RuntimeWarning, geopandas' UserWarning) never reach users in
    # English: each kind is said once as a Chinese 提示 line (restored when the command ends)
    ctx.with_resource(warnings.catch_warnings())
    warnings.simplefilter("default")  # each distinct warning once per place, not once per row
    warnings.showwarning = _warning_in_chinese
    if store:
        # The store is active for this invocation only (a context variable, reset when the command
        # ends), so that programs and tests that call the CLI in-process do not inherit it.
        from ..store import Store

        ctx.with_resource(Store(store).activate())


if __name__ == "__main__":  # pragma: no cover
    cli()
