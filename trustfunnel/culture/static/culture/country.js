// Country page charts: the six dimensions side by side, and the time-to-yes curve.
// Data comes from json_script tags; texts are translated server-side.
(function () {
  "use strict";
  const read = (id) => {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  };
  const text = read("chart-text") || {};
  // One colour per position, the same order on every country page: home first.
  const palette = ["#1f5f8b", "#d9822b", "#3c8d5a", "#8b3c7a", "#6c757d", "#b8a01f", "#2bb3c0", "#a33"];

  const dims = read("dimension-data");
  const dimCanvas = document.getElementById("dimension-chart");
  if (dims && dimCanvas && window.Chart) {
    new Chart(dimCanvas, {
      type: "bar",
      data: {
        labels: dims.labels,
        datasets: dims.datasets.map((ds, i) => ({
          label: ds.label,
          data: ds.data,
          backgroundColor: palette[i % palette.length],
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          title: { display: true, text: text.dimTitle },
          legend: { position: "bottom" },
        },
        scales: {
          x: { title: { display: true, text: text.dimX } },
          y: { beginAtZero: true, suggestedMax: 100, title: { display: true, text: text.dimAxis } },
        },
      },
    });
    dimCanvas.dataset.rendered = "1";
  }

  const curve = read("survival-data");
  const survCanvas = document.getElementById("survival-chart");
  if (curve && survCanvas && window.Chart) {
    const points = (values) => curve.times.map((t, i) => ({ x: t, y: Math.round(values[i] * 1000) / 10 }));
    new Chart(survCanvas, {
      type: "line",
      data: {
        datasets: [
          { label: text.band, data: points(curve.upper), stepped: true, pointRadius: 0, borderWidth: 0,
            backgroundColor: "rgba(31, 95, 139, 0.15)", fill: "+1" },
          { label: text.band, data: points(curve.lower), stepped: true, pointRadius: 0, borderWidth: 0, fill: false },
          { label: text.said, data: points(curve.survival), stepped: true, pointRadius: 0, borderColor: "#1f5f8b", borderWidth: 2, fill: false },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        parsing: false,
        plugins: {
          title: { display: true, text: text.survTitle },
          legend: { position: "bottom", labels: { filter: (item, data) => item.datasetIndex !== 1 } },
        },
        scales: {
          x: { type: "linear", beginAtZero: true, title: { display: true, text: text.survX } },
          y: { min: 0, max: 100, title: { display: true, text: text.survY } },
        },
      },
    });
    survCanvas.dataset.rendered = "1";
  }
})();
