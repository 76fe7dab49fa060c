// The trust radar of the meeting sheet: their trust in us next to ours in them, in the
// colours used on every page (CSS variables --tf-theirs and --tf-ours).
(function () {
  var canvas = document.getElementById("sheet-radar");
  var data = JSON.parse((document.getElementById("sheet-radar-data") || {}).textContent || "null");
  if (!canvas || !data || !window.Chart) return;
  var css = getComputedStyle(document.documentElement);
  var theirs = css.getPropertyValue("--tf-theirs").trim() || "#2b6cb0";
  var ours = css.getPropertyValue("--tf-ours").trim() || "#c05621";
  new Chart(canvas, {
    type: "radar",
    data: {
      labels: data.labels,
      datasets: [
        { label: data.theirs_label, data: data.theirs, borderColor: theirs, backgroundColor: theirs + "33" },
        { label: data.ours_label, data: data.ours, borderColor: ours, backgroundColor: ours + "33" },
      ],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      plugins: { title: { display: true, text: data.title } },
      scales: { r: { min: 0, max: 100, ticks: { stepSize: 25 } } },
    },
  });
})();
