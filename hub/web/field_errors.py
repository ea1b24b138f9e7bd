"""A pydantic validation error as the hall's refusal: the first wrong field,
named by its key path, with the reason in the request's language only.

pydantic's own messages are English; these are its error types (the stable
part of its errors) in both of the hall's languages."""
from __future__ import annotations

from hub.rules.errors import MESSAGES, HallError, render

REASONS = {  # pydantic error type: (中文, English); {…} from the error's context
    "string_type": ("须为文字", "must be text"),
    "string_too_short": ("至少 {min_length} 个字符", "must have at least {min_length} characters"),
    "string_too_long": ("不能超过 {max_length} 个字符", "must have at most {max_length} characters"),
    "string_pattern_mismatch": ("格式不对", "has the wrong form"),
    "int_type": ("须为整数", "must be a whole number"),
    "int_parsing": ("须为整数", "must be a whole number"),
    "int_from_float": ("须为整数", "must be a whole number"),
    "float_type": ("须为数字", "must be a number"),
    "float_parsing": ("须为数字", "must be a number"),
    "finite_number": ("须为有限的数字", "must be a finite number"),
    "bool_type": ("须为 true 或 false", "must be true or false"),
    "bool_parsing": ("须为 true 或 false", "must be true or false"),
    "greater_than": ("须大于 {gt}", "must be greater than {gt}"),
    "greater_than_equal": ("须不小于 {ge}", "must be at least {ge}"),
    "less_than": ("须小于 {lt}", "must be less than {lt}"),
    "less_than_equal": ("须不大于 {le}", "must be at most {le}"),
    "literal_error": ("须为 {expected}", "must be one of {expected}"),
    "enum": ("须为 {expected}", "must be one of {expected}"),
    "list_type": ("须为列表", "must be a list"),
    "too_short": ("至少 {min_length} 项", "must have at least {min_length} items"),
    "too_long": ("最多 {max_length} 项", "must have at most {max_length} items"),
    "dict_type": ("须为对象", "must be an object"),
    "model_type": ("须为对象", "must be an object"),
    "model_attributes_type": ("须为对象", "must be an object"),
    "date_type": ("须为 YYYY-MM-DD 格式的日期", "must be a date YYYY-MM-DD"),
    "date_parsing": ("须为 YYYY-MM-DD 格式的日期", "must be a date YYYY-MM-DD"),
    "date_from_datetime_parsing": ("须为 YYYY-MM-DD 格式的日期", "must be a date YYYY-MM-DD"),
    "date_from_datetime_inexact": ("须为 YYYY-MM-DD 格式的日期", "must be a date YYYY-MM-DD"),
    "extra_forbidden": ("不是此处的字段", "is not a field here"),
    "none_required": ("须为空", "must be null"),
}
OTHER = ("格式不对", "has the wrong form")
# a model's own checks (`field_validator` raising ValueError(KEY)) name their reason by key
CUSTOM = {
    "date": ("须为 YYYY-MM-DD 格式的日期", "must be a date YYYY-MM-DD"),
    "date_range": ("结束日期不能早于开始日期", "the end date cannot be before the start date"),
    "range_days": ("一次最多 {limit} 天", "at most {limit} days at a time"),
    "ticket_number": ("须为号票编号 (整数)", "must be a ticket id (a whole number)"),
    "departments": ("须为部门名称的列表", "must be a list of department names"),
    "too_long_key": ("不能超过 100 个字符", "must have at most 100 characters"),
    "material_names": ("须为 1 到 40 项材料名称", "must be 1 to 40 material names"),
    "queue_ids": ("须为队列编号的列表", "must be a list of queue ids"),
    "name_blank": ("不能为空", "must not be blank"),
    "pickup_or_matter": ("须提供事项 (matter) 或取件码 (pickup)", "give a matter or a pickup code"),
}


def reason(error, lang):
    """One pydantic error's reason in `lang` ('zh' or 'en')."""
    english = lang.startswith("en")
    kind = error["type"]
    ctx = dict(error.get("ctx") or {})
    if kind == "value_error":
        template = CUSTOM.get(str(ctx.pop("error", "")), OTHER)[english]
        try:
            return template.format(**ctx)
        except (KeyError, IndexError):
            return template
    if "expected" in ctx:
        ctx["expected"] = str(ctx["expected"]).replace("'", "").replace(" or ", "/").replace(", ", "/")
    template = REASONS.get(kind, OTHER)[english]
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return OTHER[english]


def key_path(loc, prefix=""):
    parts = [str(p) for p in loc if p not in ("__root__",)]
    path = ".".join(parts)
    return f"{prefix}{path}" if path else prefix.rstrip(".") or "body"


class RequestError(HallError):
    """A request the hub cannot read: a body nested too deep, a request line too long."""

    MESSAGES = {
        "json_too_deep": ("请求内容嵌套过深", "The request body is nested too deeply"),
        "uri_too_long": ("请求地址过长 (上限 {limit} 字节)", "The request line is too long (limit {limit} bytes)"),
    }


class FieldError(HallError):
    """The first wrong field of a body (422) or a query (400)."""

    def __init__(self, http_status, error, prefix=""):
        self.error = error
        key = "missing_field" if error["type"] == "missing" else "bad_field"
        super().__init__(http_status, key, field=key_path(error["loc"], prefix))

    def message(self, lang="zh"):
        if self.key == "missing_field":
            return super().message(lang)
        return render("bad_field", lang, messages=MESSAGES, texts={}, field=self.params["field"],
                      why=reason(self.error, lang))


def refuse(http_status, field, key, **ctx):
    """A check the models cannot make (it needs the clock or the hall), refused like theirs."""
    return FieldError(http_status, {"type": "value_error", "loc": (field,), "ctx": dict(ctx, error=key)})


def check_range(first, last, max_days, field="to"):
    """`first`..`last` (dates) in order and at most `max_days` long, or a 400 naming `field`."""
    if last < first:
        raise refuse(400, field, "date_range")
    if (last - first).days >= max_days:
        raise refuse(400, field, "range_days", limit=max_days)
