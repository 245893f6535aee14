from django import template

from citizens.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(value: str):
    return render_markdown(value)
