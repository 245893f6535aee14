// Progressive enhancements only: every flow works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Submit the language form as soon as a language is picked.
  const select = document.getElementById("language-select");
  if (select) {
    select.addEventListener("change", () => select.form.submit());
  }
});
