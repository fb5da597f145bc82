pub fn render(_r: &crate::Report, _l: crate::Lang) -> Vec<u8> {
    Vec::new()
}
