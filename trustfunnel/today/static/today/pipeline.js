// Drag a card to another stage; the keyboard alternative is the stage select on each card.
(function () {
  document.querySelectorAll(".tf-cards").forEach(function (list) {
    if (!window.Sortable || !list.querySelector(".tf-move")) return;
    new Sortable(list, {
      group: "pipeline",
      animation: 120,
      filter: "select, button, input",
      preventOnFilter: false,
      onAdd: function (event) {
        var form = event.item.querySelector("form.tf-move");
        form.querySelector("select[name=stage]").value = event.to.dataset.stage;
        form.submit();
      },
    });
  });
  var canvas = document.getElementById("reliability-chart");
  var data = JSON.parse(document.getElementById("reliability-data").textContent || "null");
  if (canvas && data && window.Chart) {
    new Chart(canvas, {
      type: "scatter",
      data: {
        datasets: [
          { label: canvas.dataset.model || "Model", data: data.map(function (r) { return { x: r[0], y: r[1] }; }), pointRadius: 5 },
          { label: "Perfect calibration", data: [{ x: 0, y: 0 }, { x: 1, y: 1 }], showLine: true, pointRadius: 0, borderDash: [4, 4] },
        ],
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        plugins: { title: { display: true, text: "Reliability of the win probability" } },
        scales: {
          x: { min: 0, max: 1, title: { display: true, text: "Predicted win probability" } },
          y: { min: 0, max: 1, title: { display: true, text: "Observed win rate" } },
        },
      },
    });
  }
})();
