import io

from obsgen.output.progress import Progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_terminal_gets_a_bar_naming_the_stage():
    stream = Terminal()
    with Progress(3, stream) as progress:
        progress.step("loading specs")
        progress.step("rendering prometheus")
    text = stream.getvalue()
    assert "loading specs" in text and "rendering prometheus" in text and "[" in text and "3/3" in text
    assert text.endswith("\n")


def test_a_log_gets_one_plain_line_per_stage():
    stream = io.StringIO()
    with Progress(3, stream) as progress:
        progress.step("loading specs")
        progress.step("rendering prometheus")
    lines = stream.getvalue().splitlines()
    assert [line.split("] ", 1)[1] for line in lines] == ["loading specs", "rendering prometheus"]
    assert all(line.startswith("[") and "s] " in line for line in lines)
