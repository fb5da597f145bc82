pub fn render(_r: &crate::Report, _l: crate::Lang) -> String {
    String::new()
}
