// The error summary takes focus as soon as it is on the page (see parts/error_summary.html).
document.getElementById("error-summary")?.focus();
