"""Reports: rendering only (JUnit, SARIF, Markdown, HTML, the bandwidth picture), and redaction. Pure."""
