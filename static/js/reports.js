// Enhancement of the report form: typing a date selects "Dates choisies ci-dessous".
document.addEventListener("DOMContentLoaded", () => {
  const preset = document.getElementById("id_periode");
  if (!preset) return;
  for (const id of ["id_du", "id_au"]) {
    const field = document.getElementById(id);
    if (field) {
      field.addEventListener("change", () => { preset.value = "dates"; });
    }
  }
});
